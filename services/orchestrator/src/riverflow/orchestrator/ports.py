"""Ports of the orchestrator: the run log it folds and the outbox it publishes commands to."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from riverflow.contracts.events.v1 import RunEvent, RunInboxEvent
from riverflow.engine.commands import DispatchNodeTask

__all__ = ["LogEntry", "LogConflict", "RunLog", "RunOutbox"]


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One appended event and its position; ``seq`` only grows along a run's log."""

    seq: int
    event: RunInboxEvent


class LogConflict(Exception):
    """Someone else appended to the run's log since it was read (optimistic concurrency)."""


class RunLog(Protocol):
    """A run's append-only event log; its fold through ``engine.advance`` is the run's state."""

    async def read(self, run_id: str) -> list[LogEntry]:
        """Every entry of the run's log, oldest first (empty for an unknown run)."""
        ...

    async def append(self, run_id: str, event: RunInboxEvent, expected_last_seq: int) -> int:
        """Append ``event`` if the log's last entry is still ``expected_last_seq`` (0 = empty).

        Returns the new entry's seq; raises ``LogConflict`` otherwise.
        """
        ...


class RunOutbox(Protocol):
    """Where commands go. Publishing the same item twice must be harmless (de-duplicated)."""

    async def emit(self, events: list[RunEvent]) -> None:
        """Publish client-facing run events, in order."""
        ...

    async def dispatch(self, tasks: list[DispatchNodeTask]) -> None:
        """Send node tasks to the services that execute them."""
        ...
