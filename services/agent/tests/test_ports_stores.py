"""``ResultStore``, ``CredentialStore`` and ``EventPublisher``, once for every implementation
(in-memory, and JetStream on a real nats-server)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import nats
import pytest
from pydantic import SecretStr
from riverflow.agent.adapters.jetstream import KvCredentialStore, KvResultStore, ensure_results_bucket
from riverflow.agent.reference import InMemoryCredentialStore, InMemoryResultStore
from riverflow.contracts.credentials import credentials_key
from riverflow.runtime.secret_box import SecretBox

BOX = SecretBox(SecretStr("test-secret-key"))


@pytest.fixture
async def js(nats_url: str) -> AsyncIterator:
    nc = await nats.connect(nats_url)
    yield nc.jetstream()
    await nc.close()


@pytest.fixture(params=["in-memory", pytest.param("jetstream-kv", marks=pytest.mark.integration)])
async def results(request: pytest.FixtureRequest):  # noqa: ANN201
    if request.param == "in-memory":
        yield InMemoryResultStore()
        return
    nc = await nats.connect(request.getfixturevalue("nats_url"))
    yield KvResultStore(await ensure_results_bucket(nc.jetstream(), f"test_results_{uuid.uuid4().hex[:8]}"))
    await nc.close()


async def test_result_store_round_trips_and_misses(results) -> None:  # noqa: ANN001
    key = "task:run-1:node with spaces/and:colons:1"  # any text is a valid key
    assert await results.get(key) is None
    value = {"status": "succeeded", "outputs": {"text": "héllo", "n": [1, 2.5, None]}}
    await results.put(key, value)
    assert await results.get(key) == value
    await results.put(key, {"status": "failed"})
    assert await results.get(key) == {"status": "failed"}
    assert await results.get(key + "x") is None


@pytest.fixture(params=["in-memory", pytest.param("jetstream-kv", marks=pytest.mark.integration)])
async def credentials(request: pytest.FixtureRequest):  # noqa: ANN201
    """A store holding ``{"api_key": "sk-1"}`` for (ws-1, openai), however that store is written."""
    stored = {"api_key": "sk-1", "api_base": "https://api.example/v1"}
    if request.param == "in-memory":
        yield InMemoryCredentialStore({("ws-1", "openai"): stored})
        return
    nc = await nats.connect(request.getfixturevalue("nats_url"))
    js = nc.jetstream()
    bucket = f"test_creds_{uuid.uuid4().hex[:8]}"
    kv = await js.create_key_value(bucket=bucket, history=1)
    await kv.put(credentials_key("ws-1", "openai"), BOX.seal(stored))  # as the gateway writes it
    yield KvCredentialStore(js, BOX, ttl=0.2, bucket=bucket)
    await nc.close()


async def test_credentials_by_workspace_and_provider(credentials) -> None:  # noqa: ANN001
    assert (await credentials.get("ws-1", "openai"))["api_key"] == "sk-1"
    assert await credentials.get("ws-2", "openai") is None
    assert await credentials.get("ws-1", "anthropic") is None


@pytest.mark.integration
async def test_kv_credentials_are_cached_briefly_and_need_the_right_key(js) -> None:  # noqa: ANN001
    bucket = f"test_creds_{uuid.uuid4().hex[:8]}"
    kv = await js.create_key_value(bucket=bucket, history=1)
    store = KvCredentialStore(js, BOX, ttl=0.3, bucket=bucket)
    assert await store.get("ws", "openai") is None
    await kv.put(credentials_key("ws", "openai"), BOX.seal({"api_key": "new"}))
    assert await store.get("ws", "openai") is None  # absence is cached too...
    time.sleep(0.35)
    assert (await store.get("ws", "openai")) == {"api_key": "new"}  # ...briefly
    other = KvCredentialStore(js, SecretBox(SecretStr("another-secret")), ttl=0, bucket=bucket)
    assert await other.get("ws", "openai") is None  # wrong key: unreadable, never an exception


@pytest.mark.integration
async def test_kv_credentials_without_a_bucket_or_a_key_are_absent(js) -> None:  # noqa: ANN001
    assert await KvCredentialStore(js, BOX, bucket="no_such_bucket_here").get("ws", "openai") is None
    bucket = f"test_creds_{uuid.uuid4().hex[:8]}"
    kv = await js.create_key_value(bucket=bucket, history=1)
    await kv.put(credentials_key("ws", "openai"), BOX.seal({"api_key": "k"}))
    key_file: list[SecretBox] = []  # the key file of `riverflow up` appears after the agent starts
    store = KvCredentialStore(js, lambda: key_file[0] if key_file else None, ttl=0, bucket=bucket)
    assert await store.get("ws", "openai") is None
    key_file.append(BOX)
    assert await store.get("ws", "openai") == {"api_key": "k"}
