"""RunFeed on a real nats-server: the runs a gateway publishes are read from one shared consumer."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import nats
import pytest
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import RunEvent, RunRequested
from riverflow.gateway.adapters.nats_bus import NatsRunBus
from riverflow.gateway.adapters.run_feed import RunFeed
from riverflow.runtime.broker import make_broker
from riverflow.runtime.nats_server import NatsServerProcess
from riverflow.runtime.settings import NatsSettings
from riverflow.runtime.streams import ensure_streams

pytestmark = pytest.mark.integration


def _event(run_id: str, seq: int, name: str) -> bytes:
    event = RunEvent(run_id=run_id, task_id="t", seq=seq, event=name, data={}, created_at=0)
    return event.model_dump_json().encode()


def _request() -> RunRequested:
    run_id = str(uuid.uuid4())
    return RunRequested(
        event_id=run_id, run_id=run_id, task_id="t", app_id="a", workflow_id="w", dsl="app: {}",
        inputs={}, user="u", at=time.time(),
    )  # fmt: skip


async def test_a_published_run_is_read_without_a_consumer_of_its_own(nats_url: str) -> None:
    broker = make_broker(NatsSettings(url=nats_url), service_name="gw-feed", quiet=True)
    bus = NatsRunBus(broker, recorder_durable=f"test-recorder-{uuid.uuid4().hex[:8]}")
    await bus.start()
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    try:
        request = _request()
        run_id = request.run_id
        await bus.publish_run(request)
        consumers = (await js.stream_info(subjects.RUN_EVENTS_STREAM)).state.consumer_count
        # Published before anyone reads: the feed keeps them, chunks in their place.
        await js.publish(subjects.run_events(run_id), _event(run_id, 1, "workflow_started"))
        await js.publish(subjects.run_chunks(run_id), _event(run_id, 1, "text_chunk"))
        await js.publish(subjects.run_events(run_id), _event(run_id, 1, "workflow_started"))  # a copy
        await js.publish(subjects.run_events(run_id), _event(run_id, 2, "workflow_finished"))
        reader = bus.events(run_id)
        first = await asyncio.wait_for(anext(reader), 10)
        assert (await js.stream_info(subjects.RUN_EVENTS_STREAM)).state.consumer_count == consumers
        rest = [e async for e in reader]
        assert [(e.seq, e.event) for e in [first, *rest]] == [
            (1, "workflow_started"),
            (1, "text_chunk"),
            (2, "workflow_finished"),
        ]
        # Read again, it is an ordinary late reader: its own consumer, from the stream.
        again = [e.event async for e in bus.events(run_id)]
        assert again == ["workflow_started", "text_chunk", "workflow_finished"]
    finally:
        await nc.close()
        await bus.close()


async def test_registrations_nobody_claims_are_forgotten_oldest_first(nats_url: str) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    await ensure_streams(js)
    feed = RunFeed(limit=2)
    assert feed.claim("r0") is None
    feed.expect("r0")  # not started: nothing is kept, readers use their own consumer
    assert feed.claim("r0") is None
    await feed.start(js, nc)
    try:
        for run_id in ("r1", "r2", "r3"):
            feed.expect(run_id)
        assert feed.claim("r1") is None and feed.claim("r3") is not None and feed.claim("r2") is not None
    finally:
        await feed.close()
        await nc.close()


async def test_a_reader_goes_on_from_the_stream_when_a_restart_loses_the_feed(tmp_path: Path) -> None:
    server = NatsServerProcess(tmp_path / "nats").start()
    broker = make_broker(NatsSettings(url=server.url), service_name="gw-feed", quiet=True)
    bus = NatsRunBus(broker, recorder_durable=f"test-recorder-{uuid.uuid4().hex[:8]}")
    await bus.start()
    try:
        request = _request()
        run_id = request.run_id
        await bus.publish_run(request)
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.publish(subjects.run_events(run_id), _event(run_id, 1, "workflow_started"))
        await js.publish(subjects.run_chunks(run_id), _event(run_id, 1, "text_chunk"))
        reader = bus.events(run_id)
        seen = [await asyncio.wait_for(anext(reader), 10) for _ in range(2)]
        await nc.close()
        server.stop()
        server.start()  # same port and store: the stream is back, the feed's consumer is not
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        await js.publish(subjects.run_chunks(run_id), _event(run_id, 1, "text_chunk"))
        await js.publish(subjects.run_events(run_id), _event(run_id, 2, "workflow_finished"))
        rest = await asyncio.wait_for(_rest(reader), 30)
        await nc.close()
        # Read on from the stream: nothing yielded twice, nothing lost.
        assert [(e.seq, e.event) for e in seen + rest] == [
            (1, "workflow_started"),
            (1, "text_chunk"),
            (1, "text_chunk"),
            (2, "workflow_finished"),
        ]
    finally:
        await bus.close()
        server.stop()


async def _rest(reader) -> list[RunEvent]:  # type: ignore[no-untyped-def]
    return [e async for e in reader]
