"""Group commit for the run recorder: the writes of events handled at the same time share one
transaction (``Store.save_run_writes``) instead of one each (``GroupCommit``).

A failed transaction fails each of its writers: their events are redelivered.
"""

from __future__ import annotations

from riverflow.gateway.group_commit import GroupCommit
from riverflow.gateway.ports import Store
from riverflow.gateway.records import NodeExecutionRecord, RunRecord

__all__ = ["RunWrites"]

_Write = tuple[NodeExecutionRecord | None, RunRecord | None]


class RunWrites:
    def __init__(self, store: Store, max_batch: int = 256) -> None:
        self._store = store
        self._writes: GroupCommit[_Write] = GroupCommit(self._commit, max_batch)

    async def save_node_execution(self, execution: NodeExecutionRecord) -> None:
        await self._writes.submit((execution, None))

    async def finish_run(self, run: RunRecord) -> None:
        await self._writes.submit((None, run))

    async def _commit(self, batch: list[_Write]) -> None:
        executions = [e for e, _ in batch if e is not None]
        finished = [r for _, r in batch if r is not None]
        await self._store.save_run_writes(executions, finished)
