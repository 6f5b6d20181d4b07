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
    the terminal frame was sent, before the response ends. Events that arrived together go out
    in one chunk (one write instead of one per event); nothing waits for more to arrive. When the
    client goes away this generator is closed; only the reading stops, never the run.
    """
    render = render or (lambda event: [frame(event)])
    loop = asyncio.get_running_loop()
    ready: list[RunEvent] = []
    wake: asyncio.Future[None] | None = None
    stopped = False  # reading ended: after the terminal event, at the stream's end or on ``error``
    error: Exception | None = None

    def signal() -> None:
        if wake is not None and not wake.done():
            wake.set_result(None)

    async def read() -> None:
        # One task reads the whole run (not one per event); the reader's own cleanup runs in it.
        nonlocal stopped, error
        try:
            async for event in events:
                ready.append(event)
                signal()
                if event.is_terminal:
                    break
        except Exception as exc:  # noqa: BLE001 - raised again by the response below
            error = exc
        finally:
            stopped = True
            signal()
        _close_later(events)  # its feed registration or consumer goes now, not when collected

    reader = asyncio.ensure_future(read())
    next_ping = loop.time() + ping_interval
    timer = loop.call_at(next_ping, signal)
    try:
        while True:
            if not ready and not stopped and loop.time() < next_ping:
                wake = loop.create_future()
                await wake
            if loop.time() >= next_ping:
                yield PING_FRAME
                next_ping = loop.time() + ping_interval
                timer = loop.call_at(next_ping, signal)
            if ready:
                batch = ready.copy()
                ready.clear()
                chunk = b"".join(data for event in batch for data in render(event))
                if chunk:  # an empty chunk would end a chunked response
                    yield chunk
                if batch[-1].is_terminal:
                    if after is not None:
                        await after()
                    return
            elif stopped:
                if error is not None:
                    raise error
                return
    finally:
        timer.cancel()
        reader.cancel()


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
