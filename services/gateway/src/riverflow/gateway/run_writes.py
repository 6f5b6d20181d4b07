"""Group commit for the run recorder: the writes of events handled at the same time share one
transaction (``Store.save_run_writes``) instead of one each.

A writer waits until the transaction holding its write committed, so it acks its event only
after the write, as before. Nothing waits to fill a batch: a lone write goes out at once, and
the writes that arrive while a transaction is in flight go out together in the next one.
"""

from __future__ import annotations

import asyncio

from riverflow.gateway.ports import Store
from riverflow.gateway.records import NodeExecutionRecord, RunRecord

__all__ = ["RunWrites"]

_Write = tuple[NodeExecutionRecord | None, RunRecord | None, asyncio.Future[None]]


class RunWrites:
    def __init__(self, store: Store, max_batch: int = 256) -> None:
        self._store = store
        self._max_batch = max_batch
        self._pending: list[_Write] = []
        self._flushing: asyncio.Task[None] | None = None

    async def save_node_execution(self, execution: NodeExecutionRecord) -> None:
        await self._submit(execution, None)

    async def finish_run(self, run: RunRecord) -> None:
        await self._submit(None, run)

    async def _submit(self, execution: NodeExecutionRecord | None, run: RunRecord | None) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((execution, run, done))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                executions = [e for e, _, _ in batch if e is not None]
                finished = [r for _, r, _ in batch if r is not None]
                try:
                    await self._store.save_run_writes(executions, finished)
                except Exception as exc:  # every writer of the batch fails; their events are redelivered
                    for _, _, done in batch:
                        if not done.done():
                            done.set_exception(exc)
                else:
                    for _, _, done in batch:
                        if not done.done():
                            done.set_result(None)
        finally:
            self._flushing = None
