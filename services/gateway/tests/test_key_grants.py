"""The key check's memory: answers reused for the TTL, unknown keys never kept, every change forgets
at once (and is announced), and a read that raced a change is not kept."""

from __future__ import annotations

import asyncio

from riverflow.gateway.adapters.memory_store import InMemoryStore
from riverflow.gateway.credentials import hash_secret
from riverflow.gateway.key_grants import KeyGrants
from riverflow.gateway.records import KeyGrant, NewApp


class CountingStore(InMemoryStore):
    """Counts key checks; ``hold`` keeps the next answers (as read now) from returning until set."""

    def __init__(self) -> None:
        super().__init__()
        self.reads = 0
        self.hold: asyncio.Event | None = None

    async def find_key_grant(self, key_hash: str, type: str) -> KeyGrant | None:
        self.reads += 1
        found = await super().find_key_grant(key_hash, type)
        if self.hold is not None:
            await self.hold.wait()
        return found


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _store_with_key(token: str = "app-secret") -> tuple[CountingStore, str, str]:
    store = CountingStore()
    workspace = await store.ensure_workspace()
    app, _, key = await store.create_app(
        NewApp(
            workspace, "app", "workflow", "", "", "app: {}", key_hash=hash_secret(token), key_prefix="app-"
        )
    )
    assert key is not None
    return store, hash_secret(token), key.id


async def test_a_grant_is_read_once_per_ttl() -> None:
    store, key_hash, _ = await _store_with_key()
    clock = Clock()
    grants = KeyGrants(store, ttl=5.0, clock=clock)
    first = await grants.find(key_hash, "app")
    assert first is not None and first.app is not None
    for _ in range(10):
        assert await grants.find(key_hash, "app") == first
    assert store.reads == 1
    clock.now += 5.1
    assert await grants.find(key_hash, "app") == first
    assert store.reads == 2


async def test_a_grant_is_kept_per_key_type() -> None:
    store, key_hash, _ = await _store_with_key()
    grants = KeyGrants(store, ttl=5.0)
    assert await grants.find(key_hash, "app") is not None
    assert await grants.find(key_hash, "dataset") is None  # an app key is no dataset key


async def test_unknown_keys_are_read_every_time() -> None:
    store, _, _ = await _store_with_key()
    grants = KeyGrants(store, ttl=5.0)
    for _ in range(3):
        assert await grants.find(hash_secret("nobody's key"), "app") is None
    assert store.reads == 3


async def test_a_change_forgets_every_grant_and_is_announced() -> None:
    store, key_hash, key_id = await _store_with_key()
    announced: list[None] = []

    async def announce() -> None:
        announced.append(None)

    grants = KeyGrants(store, ttl=60.0, announce=announce)
    grant = await grants.find(key_hash, "app")
    assert grant is not None
    assert await store.revoke_api_key(key_id, grant.key.workspace_id, grant.key.app_id)
    assert await grants.find(key_hash, "app") is not None  # remembered: nobody said it changed
    await grants.changed()
    assert announced == [None]
    assert await grants.find(key_hash, "app") is None  # revoked, at once


async def test_a_notice_from_another_process_forgets_without_announcing_again() -> None:
    store, key_hash, _ = await _store_with_key()
    announced: list[None] = []

    async def announce() -> None:
        announced.append(None)

    grants = KeyGrants(store, ttl=60.0, announce=announce)
    await grants.find(key_hash, "app")
    grants.forget()
    await grants.find(key_hash, "app")
    assert store.reads == 2
    assert announced == []


async def test_requests_that_miss_together_share_one_read() -> None:
    store, key_hash, _ = await _store_with_key()
    grants = KeyGrants(store, ttl=5.0)
    store.hold = asyncio.Event()
    waiting = [asyncio.ensure_future(grants.find(key_hash, "app")) for _ in range(20)]
    await asyncio.sleep(0.01)
    store.hold.set()
    found = await asyncio.gather(*waiting)
    assert store.reads == 1
    assert all(g is not None and g == found[0] for g in found)


async def test_a_read_that_began_before_a_change_is_not_kept() -> None:
    store, key_hash, key_id = await _store_with_key()
    grants = KeyGrants(store, ttl=60.0)
    store.hold = asyncio.Event()
    in_flight = asyncio.ensure_future(grants.find(key_hash, "app"))
    await asyncio.sleep(0.01)
    # The key is revoked while the first read, which saw it live, is still returning.
    grant = await InMemoryStore.find_key_grant(store, key_hash, "app")
    assert grant is not None
    await store.revoke_api_key(key_id, grant.key.workspace_id, grant.key.app_id)
    await grants.changed()
    after = asyncio.ensure_future(grants.find(key_hash, "app"))  # must not join the older read
    await asyncio.sleep(0.01)
    store.hold.set()
    assert await in_flight is not None  # that request began before the change
    assert await after is None
    store.hold = None
    assert await grants.find(key_hash, "app") is None  # read again, not the raced answer


async def test_a_ttl_of_zero_reads_every_time() -> None:
    store, key_hash, _ = await _store_with_key()
    grants = KeyGrants(store, ttl=0.0)
    for _ in range(3):
        assert await grants.find(key_hash, "app") is not None
    assert store.reads == 3
