"""Relaying a run's events: SSE frames with keep-alive pings, and the blocking wait."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable

from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.runs import PING_FRAME, frame

__all__ = ["sse_stream", "wait_terminal"]


def _close_later(events: AsyncIterator[RunEvent]) -> None:
    aclose = getattr(events, "aclose", None)
    if aclose is not None:
        asyncio.ensure_future(aclose())


async def sse_stream(
    events: AsyncIterator[RunEvent],
    ping_interval: float,
    render: Callable[[RunEvent], list[bytes]] | None = None,
    after: Callable[[], Awaitable[object]] | None = None,
) -> AsyncIterator[bytes]:
    """SSE frames of ``events`` until the terminal one, with ``event: ping`` every ``ping_interval``.

    ``render`` turns an event into its frames (default: the workflow envelope); ``after`` runs once
    the terminal frame was sent, before the response ends. When the client goes away this
    generator is closed; only the reading stops, never the run.
    """
    render = render or (lambda event: [frame(event)])
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
            for data in render(event):
                yield data
            if event.is_terminal:
                if after is not None:
                    await after()
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
