"""Coalesces concurrent embedding calls into shared forward passes, run in a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

import numpy as np

__all__ = ["MicroBatcher"]


class MicroBatcher:
    """``await embed(texts)`` from many tasks; requests waiting together go through ``fn`` as one batch.

    A request is never split, so a caller's rows come back together; a batch closes at ``max_batch``
    texts or when no more requests arrive within ``linger`` seconds.
    """

    def __init__(
        self, fn: Callable[[list[str]], np.ndarray], max_batch: int = 64, linger: float = 0.002
    ) -> None:
        self._fn, self._max_batch, self._linger = fn, max_batch, linger
        self._pending: list[tuple[list[str], asyncio.Future[np.ndarray]]] = []
        self._worker: asyncio.Task[None] | None = None

    async def embed(self, texts: list[str]) -> np.ndarray:
        future: asyncio.Future[np.ndarray] = asyncio.get_running_loop().create_future()
        self._pending.append((texts, future))
        if self._worker is None or self._worker.done():
            self._worker = asyncio.create_task(self._drain())
        return await future

    async def _drain(self) -> None:
        while self._pending:
            await asyncio.sleep(self._linger)  # let concurrent callers join this batch
            batch, size = [], 0
            while self._pending and (not batch or size + len(self._pending[0][0]) <= self._max_batch):
                texts, future = self._pending.pop(0)
                batch.append((texts, future))
                size += len(texts)
            try:
                vectors = await asyncio.to_thread(self._fn, [t for texts, _ in batch for t in texts])
            except Exception as exc:  # every caller of this batch sees the failure
                for _, future in batch:
                    if not future.done():
                        future.set_exception(exc)
                continue
            start = 0
            for texts, future in batch:
                if not future.done():
                    future.set_result(vectors[start : start + len(texts)])
                start += len(texts)
