"""Handler parameters resolved on the event loop: the message and the broker reach the handler,
and resolving them never hops to a worker thread (FastStream's own annotations do, per message)."""

from __future__ import annotations

import asyncio

import anyio.to_thread
import pytest
from faststream.nats import NatsBroker
from faststream.nats.annotations import NatsMessage
from riverflow.runtime.handler_params import Broker, Message

pytestmark = pytest.mark.integration


async def test_message_and_broker_resolve_on_the_loop(nats_url: str, monkeypatch) -> None:
    hops: list[object] = []
    real_run_sync = anyio.to_thread.run_sync

    async def counted(func, *args, **kwargs):  # type: ignore[no-untyped-def]
        hops.append(func)
        return await real_run_sync(func, *args, **kwargs)

    monkeypatch.setattr(anyio.to_thread, "run_sync", counted)
    seen: dict[str, tuple[object, ...]] = {}
    done = {name: asyncio.Event() for name in ("ours", "faststream")}
    broker = NatsBroker(nats_url)

    @broker.subscriber("rf.test.params.ours")
    async def ours(body: str, msg: Message, bus: Broker) -> None:
        seen["ours"] = (body, msg.body, msg.raw_message.subject, bus is broker)
        done["ours"].set()

    @broker.subscriber("rf.test.params.faststream")
    async def theirs(body: str, msg: NatsMessage) -> None:
        seen["faststream"] = (body, msg.body)
        done["faststream"].set()

    async with broker:
        await broker.start()
        await broker.publish("hello", "rf.test.params.ours")
        await asyncio.wait_for(done["ours"].wait(), 10)
        assert seen["ours"] == ("hello", b"hello", "rf.test.params.ours", True)
        assert hops == []
        # The same handler shape with FastStream's annotation hops once per message (why ours exist).
        await broker.publish("there", "rf.test.params.faststream")
        await asyncio.wait_for(done["faststream"].wait(), 10)
        assert seen["faststream"] == ("there", b"there") and len(hops) == 1
