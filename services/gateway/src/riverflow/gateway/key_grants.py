"""The key check's answers, kept in memory: every Service API request asks, almost always the same.

A grant (the key, its workspace, its app and the app's published version) is remembered for
``ttl`` seconds. Whatever changes a grant (a key revoked, an app edited, deleted or published)
calls ``changed``: this process forgets every grant at once and the bus tells the other gateway
processes to do the same (``RunBus.announce_grants_changed``). The TTL bounds how long a replica
that missed that notice (disconnected from NATS at that moment) may still answer from memory.
Unknown keys are not remembered: a key created a moment ago works at once.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

from riverflow.gateway.ports import AppStore
from riverflow.gateway.records import KeyGrant

__all__ = ["KeyGrants"]

_Key = tuple[str, str]


class KeyGrants:
    def __init__(
        self,
        store: AppStore,
        ttl: float,
        size: int = 10_000,
        announce: Callable[[], Awaitable[None]] | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._ttl = ttl
        self._size = size
        self._announce = announce
        self._clock = clock
        self._grants: OrderedDict[_Key, tuple[KeyGrant, float]] = OrderedDict()
        self._loading: dict[_Key, asyncio.Future[KeyGrant | None]] = {}
        # Bumped by every change: a read that began before a change is not remembered after it.
        self._generation = 0

    async def find(self, key_hash: str, type: str) -> KeyGrant | None:
        """The live grant of the key with ``key_hash`` (None: unknown, revoked or of another type)."""
        key = (key_hash, type)
        kept = self._grants.get(key)
        if kept is not None:
            if kept[1] > self._clock():
                return kept[0]
            del self._grants[key]
        if self._ttl <= 0:
            return await self._store.find_key_grant(key_hash, type)
        # Requests that miss together share one read.
        loading = self._loading.get(key)
        if loading is None:
            loading = self._loading[key] = asyncio.ensure_future(self._load(key))
            loading.add_done_callback(lambda done: self._loaded(key, done))
        return await asyncio.shield(loading)

    async def _load(self, key: _Key) -> KeyGrant | None:
        generation = self._generation
        grant = await self._store.find_key_grant(*key)
        if grant is not None and generation == self._generation:
            self._grants[key] = (grant, self._clock() + self._ttl)
            while len(self._grants) > self._size:
                self._grants.popitem(last=False)
        return grant

    def _loaded(self, key: _Key, done: asyncio.Future[KeyGrant | None]) -> None:
        if self._loading.get(key) is done:  # not a newer read started after ``forget``
            del self._loading[key]

    def forget(self) -> None:
        """Drop every remembered grant (another process changed one)."""
        self._generation += 1
        self._grants.clear()
        # A read in flight began before the change: later requests read again.
        self._loading.clear()

    async def changed(self) -> None:
        """A grant changed here: forget them all, here and in every other gateway process."""
        self.forget()
        if self._announce is not None:
            await self._announce()
