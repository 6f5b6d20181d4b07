"""One suite for every ``CredentialMirror``: a dict, and the JetStream KV bucket the agent reads."""

from __future__ import annotations

import uuid

import nats
import pytest
from nats.js.errors import KeyNotFoundError
from riverflow.contracts.credentials import CREDENTIALS_BUCKET, credentials_key
from riverflow.gateway.adapters.credential_mirror import InMemoryCredentialMirror, NatsCredentialMirror
from riverflow.runtime.broker import make_broker
from riverflow.runtime.settings import NatsSettings


@pytest.fixture(params=["memory", pytest.param("nats", marks=pytest.mark.integration)])
async def mirror(request):
    if request.param == "memory":
        mirror = InMemoryCredentialMirror()

        async def read(key: str) -> bytes | None:
            return mirror.values.get(key)

        yield mirror, read
        return
    url = request.getfixturevalue("nats_url")
    broker = make_broker(NatsSettings(url=url), service_name="gateway-test", quiet=True)
    await broker.connect()
    nc = await nats.connect(url)

    async def read(key: str) -> bytes | None:  # as the agent service would
        kv = await nc.jetstream().key_value(CREDENTIALS_BUCKET)
        try:
            return (await kv.get(key)).value
        except KeyNotFoundError:
            return None

    yield NatsCredentialMirror(broker), read
    await nc.close()
    await broker.stop()


async def test_put_overwrite_and_delete(mirror) -> None:
    sink, read = mirror
    workspace = f"ws-{uuid.uuid4().hex[:8]}"
    key = credentials_key(workspace, "openai")
    await sink.put(workspace, "openai", b"sealed-1")
    await sink.put(workspace, "openai", b"sealed-2")
    assert await read(key) == b"sealed-2"
    await sink.delete(workspace, "openai")
    assert await read(key) is None
    await sink.delete(workspace, "openai")  # deleting twice is fine
