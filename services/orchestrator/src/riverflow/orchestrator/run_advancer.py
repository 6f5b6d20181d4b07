"""Advance runs: fold the log, apply one inbox event, append it, publish the resulting commands.

This is the orchestrator's whole decision loop, free of NATS: the log and the outbox are ports.
Invariant: an event is appended to the run's log before any command it produces is published,
and a redelivered event republishes exactly the commands its first delivery produced.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from riverflow.contracts.events.v1 import RunEvent, RunInboxEvent, RunRequested
from riverflow.engine import RunState, advance
from riverflow.engine.commands import Command, DispatchNodeTask, EmitRunEvent
from riverflow.orchestrator.ports import LogConflict, LogEntry, RunLog, RunOutbox

__all__ = ["RunAdvancer", "Outcome"]

log = logging.getLogger(__name__)

_MAX_CONFLICT_RETRIES = 8


@dataclass
class _Folded:
    """A run's state after its log, plus what is needed to recognise redeliveries."""

    state: RunState | None = None
    last_seq: int = 0
    entries: list[LogEntry] = field(default_factory=list)
    event_ids: set[str] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class Outcome:
    """What handling one inbox event did (for logs, metrics and tests)."""

    applied: bool
    commands: int
    finished: bool


class RunAdvancer:
    """Applies inbox events to runs.

    Example:
        >>> advancer = RunAdvancer(InMemoryRunLog(), InMemoryRunOutbox())
        >>> await advancer.handle(run_requested)
    """

    def __init__(
        self,
        run_log: RunLog,
        outbox: RunOutbox,
        cache_size: int = 2048,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._log = run_log
        self._clock = clock
        self._outbox = outbox
        self._cache: OrderedDict[str, _Folded] = OrderedDict()
        self._cache_size = cache_size
        # One event per run at a time in this process; other replicas are fenced by the log.
        self._locks: dict[str, asyncio.Lock] = {}

    async def handle(self, event: RunInboxEvent) -> Outcome:
        lock = self._locks.setdefault(event.run_id, asyncio.Lock())
        try:
            async with lock:
                return await self._handle_locked(event)
        finally:
            if not lock.locked() and not lock._waiters:  # type: ignore[attr-defined]
                self._locks.pop(event.run_id, None)

    async def _handle_locked(self, event: RunInboxEvent) -> Outcome:
        # A run request is almost always new: skip reading its (empty) log and let the append's
        # fence tell us otherwise; after a conflict, read the log for real.
        optimistic = isinstance(event, RunRequested)
        for _ in range(_MAX_CONFLICT_RETRIES):
            folded = self._cache.get(event.run_id)
            if folded is None:
                folded = _Folded() if optimistic else await self._fold(event.run_id)
                if folded.entries and event.event_id not in folded.event_ids:
                    # The replica that logged the last step may have died before publishing its
                    # events: publish them (again; their ids make copies no-ops) before this
                    # step's, so the run's stream keeps its order.
                    await self._republish_events(folded, folded.entries[-1].event)
            if event.event_id in folded.event_ids:
                return await self._replay_commands(folded, event)
            if folded.state is None and not isinstance(event, RunRequested):
                # A result for a run we have never seen: nothing to apply it to.
                log.warning("dropping %s for unknown run %s", event.kind, event.run_id)
                return Outcome(applied=False, commands=0, finished=False)
            if event.processed_at is None:
                # Stamped once, then logged: the run's clock for this step survives a re-fold.
                event = event.model_copy(update={"processed_at": self._clock()})
            state, commands = advance(folded.state, event)
            try:
                seq = await self._log.append(event.run_id, event, folded.last_seq)
            except LogConflict:
                self._cache.pop(event.run_id, None)
                optimistic = False
                continue
            entry = LogEntry(seq=seq, event=event)
            updated = _Folded(state, seq, [*folded.entries, entry], folded.event_ids | {event.event_id})
            finished = await self._publish(commands)
            self._remember(event.run_id, updated, finished)
            return Outcome(applied=True, commands=len(commands), finished=finished)
        raise LogConflict(f"run {event.run_id}: log kept moving, gave up after {_MAX_CONFLICT_RETRIES} tries")

    async def _fold(self, run_id: str) -> _Folded:
        entries = await self._log.read(run_id)
        state: RunState | None = None
        for entry in entries:
            state, _ = advance(state, entry.event)
        last_seq = entries[-1].seq if entries else 0
        return _Folded(state, last_seq, entries, {e.event.event_id for e in entries})

    async def _replay_commands(self, folded: _Folded, event: RunInboxEvent) -> Outcome:
        """The event is already logged (a crash came between append and ack): republish its commands."""
        commands = _logged_commands(folded, event)
        if commands is None:
            return Outcome(applied=False, commands=0, finished=False)
        finished = await self._publish(commands)
        return Outcome(applied=False, commands=len(commands), finished=finished)

    async def _republish_events(self, folded: _Folded, event: RunInboxEvent) -> None:
        commands = _logged_commands(folded, event) or []
        events = [c.event for c in commands if isinstance(c, EmitRunEvent)]
        if events:
            await self._outbox.emit(events)

    async def _publish(self, commands: list[Command]) -> bool:
        events: list[RunEvent] = [c.event for c in commands if isinstance(c, EmitRunEvent)]
        tasks = [c for c in commands if isinstance(c, DispatchNodeTask)]
        if events:
            await self._outbox.emit(events)
        if tasks:
            # After the events are stored: a task's result, applied by any replica, can only
            # produce events that come after this step's in the run's stream.
            await self._outbox.dispatch(tasks)
        return any(e.event == "workflow_finished" for e in events)

    def _remember(self, run_id: str, folded: _Folded, finished: bool) -> None:
        if finished:
            # A finished run takes no more events worth caching; a late duplicate re-reads the log.
            self._cache.pop(run_id, None)
            return
        self._cache[run_id] = folded
        self._cache.move_to_end(run_id)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)


def _logged_commands(folded: _Folded, event: RunInboxEvent) -> list[Command] | None:
    """The commands the logged ``event`` produced (None when it is not in the log)."""
    state: RunState | None = None
    for entry in folded.entries:
        if entry.event.event_id == event.event_id:
            return advance(state, entry.event)[1]
        state, _ = advance(state, entry.event)
    return None
