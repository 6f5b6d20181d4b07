"""Long JetStream work: keep telling the server the message is in progress so it is not redelivered."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Protocol

__all__ = ["keep_alive"]


class _InProgress(Protocol):
    async def in_progress(self) -> None: ...


@contextlib.asynccontextmanager
async def keep_alive(msg: _InProgress, every: float) -> AsyncIterator[None]:
    """While the block runs, send ``in_progress`` every ``every`` seconds (ack wait reset)."""

    async def beat() -> None:
        while True:
            await asyncio.sleep(every)
            # A lost beat only risks an early redelivery, which idempotency keys make harmless.
            with contextlib.suppress(Exception):
                await msg.in_progress()

    beating = asyncio.create_task(beat())
    try:
        yield
    finally:
        beating.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await beating
