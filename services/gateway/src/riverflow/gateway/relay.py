"""Relaying a run's events: SSE frames with keep-alive pings, the blocking wait, the run recorder."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator

from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.ports import RunBus, Store
from riverflow.gateway.records import RunRecord
from riverflow.gateway.runs import PING_FRAME, finish_record, frame

__all__ = ["sse_stream", "wait_terminal", "RunRecorder"]

log = logging.getLogger("riverflow.gateway.relay")


def _close_later(events: AsyncIterator[RunEvent]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        asyncio.ensure_future(aclose())


async def sse_stream(events: AsyncIterator[RunEvent], ping_interval: float) -> AsyncIterator[bytes]:
    """SSE frames of ``events`` until the terminal one, with ``event: ping`` every ``ping_interval``.

    When the client goes away this generator is closed; only the reading stops, never the run.
    """
    loop = asyncio.get_running_loop()
    next_ping = loop.time() + ping_interval
    pending: asyncio.Future[RunEvent] | None = None
    try:
        while True:
            if loop.time() >= next_ping:
                next_ping = loop.time() + ping_interval
                yield PING_FRAME
            if pending is None:
                pending = asyncio.ensure_future(anext(events))
            done, _ = await asyncio.wait({pending}, timeout=max(0.0, next_ping - loop.time()))
            if not done:
                continue
            finished, pending = pending, None
            try:
                event = finished.result()
            except StopAsyncIteration:
                return
            yield frame(event)
            if event.is_terminal:
                return
    finally:
        if pending is not None:
            pending.cancel()  # the reader's own cleanup runs inside that task
        else:
            _close_later(events)


async def wait_terminal(events: AsyncIterator[RunEvent], timeout: float) -> RunEvent | None:
    """The run's terminal event, or None when the stream ended without one or ``timeout`` passed."""

    async def _read() -> RunEvent | None:
        async for event in events:
            if event.is_terminal:
                return event
        return None

    try:
        return await asyncio.wait_for(_read(), timeout)
    except TimeoutError:
        return None
    finally:
        _close_later(events)


class RunRecorder:
    """Writes each run's final state to the store, whatever happens to the client's connection."""

    def __init__(self, bus: RunBus, store: Store, timeout: float) -> None:
        self._bus, self._store, self._timeout = bus, store, timeout
        self._tasks: set[asyncio.Task[None]] = set()

    def track(self, run: RunRecord) -> asyncio.Task[None]:
        task = asyncio.create_task(self._record(run), name=f"record-run-{run.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)
        return task

    async def _record(self, run: RunRecord) -> None:
        try:
            terminal = await wait_terminal(self._bus.events(run.id), self._timeout)
            if terminal is None:
                log.warning("run %s: no terminal event within %.0fs", run.id, self._timeout)
                return
            await self._store.finish_run(finish_record(run, terminal))
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("run %s: could not record its outcome", run.id)

    async def drain(self, timeout: float = 5.0) -> None:
        """Wait a little for runs in flight, then cancel the rest (shutdown)."""
        if self._tasks:
            _, pending = await asyncio.wait(set(self._tasks), timeout=timeout)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
