"""In-memory reference implementations of the orchestrator's ports (tests, the in-process driver)."""

from __future__ import annotations

from riverflow.contracts.events.v1 import RunEvent, RunInboxEvent
from riverflow.engine.commands import DispatchNodeTask
from riverflow.orchestrator.ports import LogConflict, LogEntry

__all__ = ["InMemoryRunLog", "InMemoryRunOutbox"]


class InMemoryRunLog:
    def __init__(self) -> None:
        self._logs: dict[str, list[LogEntry]] = {}
        self._next_seq = 1

    async def read(self, run_id: str) -> list[LogEntry]:
        return list(self._logs.get(run_id, []))

    async def append(self, run_id: str, event: RunInboxEvent, expected_last_seq: int) -> int:
        log = self._logs.setdefault(run_id, [])
        last = log[-1].seq if log else 0
        if last != expected_last_seq:
            raise LogConflict(f"run {run_id}: last seq is {last}, expected {expected_last_seq}")
        # Like a stream sequence: global, so seqs of one run grow but are not contiguous.
        seq, self._next_seq = self._next_seq, self._next_seq + 1
        log.append(LogEntry(seq=seq, event=event))
        return seq


class InMemoryRunOutbox:
    """Keeps what was published; de-duplicates as JetStream's duplicate window would."""

    def __init__(self) -> None:
        self.events: list[RunEvent] = []
        self.tasks: list[DispatchNodeTask] = []
        self._seen: set[str] = set()

    async def emit(self, events: list[RunEvent]) -> None:
        for event in events:
            if self._first_time(f"{event.run_id}:{event.seq}"):
                self.events.append(event)

    async def dispatch(self, tasks: list[DispatchNodeTask]) -> None:
        for task in tasks:
            if self._first_time(task.task.idempotency_key):
                self.tasks.append(task)

    def _first_time(self, msg_id: str) -> bool:
        if msg_id in self._seen:
            return False
        self._seen.add(msg_id)
        return True
