"""One conformance suite for the RunOutbox port, run against every implementation; then the
JetStream outbox with no stream to take its events."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.js.errors import NoStreamResponseError
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, RunEvent, decode_run_events
from riverflow.engine.commands import DispatchNodeTask
from riverflow.orchestrator.adapters.jetstream import JetStreamRunOutbox
from riverflow.orchestrator.adapters.memory import InMemoryRunOutbox
from riverflow.orchestrator.ports import RunOutbox
from riverflow.runtime.broker import make_broker
from riverflow.runtime.nats_server import NatsServerProcess
from riverflow.runtime.settings import NatsSettings
from riverflow.runtime.streams import ensure_streams, read_subject


def _events(run_id: str, count: int) -> list[RunEvent]:
    return [
        RunEvent(run_id=run_id, task_id="t", seq=seq, event="node_started", data={"n": seq}, created_at=1)
        for seq in range(1, count + 1)
    ]


def _task(run_id: str, node_id: str) -> DispatchNodeTask:
    task = NodeTaskRequested(
        run_id=run_id,
        node_id=node_id,
        node_type="code",
        attempt=1,
        idempotency_key=f"{run_id}:{node_id}:1",
        at=time.time(),
    )
    return DispatchNodeTask(subject=subjects.node_task("test-outbox", "code"), task=task)


class _Outbox:
    """An outbox and a way to read back what it published."""

    def __init__(self, outbox: RunOutbox, events: Any, tasks: Any) -> None:
        self.outbox, self.events, self.tasks = outbox, events, tasks


@pytest.fixture(params=["memory", pytest.param("jetstream", marks=pytest.mark.integration)])
async def outbox(request: pytest.FixtureRequest) -> AsyncIterator[_Outbox]:
    if request.param == "memory":
        memory = InMemoryRunOutbox()

        async def memory_events(run_id: str) -> list[RunEvent]:
            return [e for e in memory.events if e.run_id == run_id]

        async def memory_tasks(run_id: str) -> list[NodeTaskRequested]:
            return [t.task for t in memory.tasks if t.task.run_id == run_id]

        yield _Outbox(memory, memory_events, memory_tasks)
        return
    broker = make_broker(NatsSettings(url=request.getfixturevalue("nats_url")), service_name="outbox-test")
    await broker.connect()
    js = broker.connection.jetstream()
    await ensure_streams(js)

    async def stored_events(run_id: str) -> list[RunEvent]:
        stored = await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_events(run_id))
        return [e for m in stored for e in decode_run_events(m.data or b"")]

    async def stored_tasks(run_id: str) -> list[NodeTaskRequested]:
        stored = await read_subject(js, subjects.NODE_TASKS_STREAM, subjects.node_task("test-outbox", "code"))
        tasks = [NodeTaskRequested.model_validate_json(m.data or b"") for m in stored]
        return [t for t in tasks if t.run_id == run_id]

    yield _Outbox(JetStreamRunOutbox(js, broker), stored_events, stored_tasks)
    await js.purge_stream(subjects.NODE_TASKS_STREAM, subject=subjects.node_task("test-outbox", "code"))
    await broker.stop()


async def test_events_are_published_in_order(outbox: _Outbox) -> None:
    run_id = uuid.uuid4().hex
    await outbox.outbox.emit(_events(run_id, 22))
    assert [e.seq for e in await outbox.events(run_id)] == list(range(1, 23))


async def test_publishing_again_stores_nothing_twice(outbox: _Outbox) -> None:
    run_id = uuid.uuid4().hex
    await outbox.outbox.emit(_events(run_id, 3))
    # A redelivered step recomputes the same events from the log: the same three again.
    await outbox.outbox.emit(_events(run_id, 3))
    await outbox.outbox.emit(_events(run_id, 5)[3:])  # the next step's
    assert [e.seq for e in await outbox.events(run_id)] == [1, 2, 3, 4, 5]
    await outbox.outbox.dispatch([_task(run_id, "a"), _task(run_id, "b")])
    await outbox.outbox.dispatch([_task(run_id, "a")])
    assert sorted(t.node_id for t in await outbox.tasks(run_id)) == ["a", "b"]


@pytest.mark.integration
async def test_events_without_a_stream_fail_the_emit(tmp_path: Path) -> None:
    with NatsServerProcess(store_dir=tmp_path) as server:  # no streams declared
        nc = await nats.connect(server.url)
        js = nc.jetstream()
        outbox = JetStreamRunOutbox(js, make_broker(NatsSettings(url=server.url), service_name="t"))
        with pytest.raises(NoStreamResponseError):
            await outbox.emit(_events(uuid.uuid4().hex, 4))
        await nc.close()


@pytest.mark.integration
async def test_a_step_is_stored_in_as_few_messages_as_the_size_limit_allows(nats_url: str) -> None:
    broker = make_broker(NatsSettings(url=nats_url), service_name="outbox-test")
    await broker.connect()
    js = broker.connection.jetstream()
    await ensure_streams(js)
    try:
        for limit in (256 * 1024, 600):  # each event is ~120 bytes of JSON
            run_id = uuid.uuid4().hex
            await JetStreamRunOutbox(js, broker, max_message_bytes=limit).emit(_events(run_id, 22))
            stored = await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_events(run_id))
            assert all(len(m.data or b"") <= limit for m in stored)
            assert len(stored) == 1 if limit > 600 else 4 <= len(stored) <= 6
            assert [e.seq for m in stored for e in decode_run_events(m.data or b"")] == list(range(1, 23))
    finally:
        await broker.stop()
