"""Group commit: writes submitted while a transaction is in flight go out together in the next one.

A writer waits until the transaction holding its write committed (so whatever follows it, an
ack or a publish, still comes after the write). Nothing waits to fill a batch: a lone write goes
out at once, and the writes that arrive while a transaction is in flight share the next one.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Generic, TypeVar

__all__ = ["GroupCommit"]

T = TypeVar("T")


class GroupCommit(Generic[T]):
    """``commit`` writes a list of items in one transaction.

    When it fails, every writer of that batch fails, unless ``retry_alone``: then each item of the
    batch is committed on its own, so only a write that fails alone fails its writer.
    """

    def __init__(
        self, commit: Callable[[list[T]], Awaitable[None]], max_batch: int = 256, retry_alone: bool = False
    ) -> None:
        self._commit = commit
        self._max_batch = max_batch
        self._retry_alone = retry_alone
        self._pending: list[tuple[T, asyncio.Future[None]]] = []
        self._flushing: asyncio.Task[None] | None = None

    async def submit(self, item: T) -> None:
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((item, done))
        if self._flushing is None:
            self._flushing = asyncio.create_task(self._flush())
        await done

    async def _flush(self) -> None:
        try:
            while self._pending:
                batch, self._pending = self._pending[: self._max_batch], self._pending[self._max_batch :]
                try:
                    await self._commit([item for item, _ in batch])
                except Exception as exc:
                    if self._retry_alone and len(batch) > 1:
                        await self._commit_alone(batch)
                    else:
                        _settle(batch, exc)
                else:
                    _settle(batch, None)
        finally:
            self._flushing = None

    async def _commit_alone(self, batch: list[tuple[T, asyncio.Future[None]]]) -> None:
        for item, done in batch:
            try:
                await self._commit([item])
            except Exception as exc:
                _settle([(item, done)], exc)
            else:
                _settle([(item, done)], None)


def _settle(batch: list[tuple[T, asyncio.Future[None]]], error: Exception | None) -> None:
    for _, done in batch:
        if done.done():  # its writer was cancelled
            continue
        if error is None:
            done.set_result(None)
        else:
            done.set_exception(error)
