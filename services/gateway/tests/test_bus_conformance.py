"""One behaviour suite for every ``RunBus``: in memory (scripted engine) and NATS (fake orchestrator)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
import uuid
from collections.abc import AsyncIterator, Callable

import nats
import pytest
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import (
    RunEvent,
    RunRequested,
    RunResumeRequested,
    RunStopRequested,
    parse_inbox_event,
)
from riverflow.engine import EmitRunEvent
from riverflow.gateway.adapters.memory_bus import InMemoryRunBus
from riverflow.gateway.adapters.nats_bus import NatsRunBus
from riverflow.runtime.broker import make_broker
from riverflow.runtime.settings import NatsSettings

from .conftest import subscribed

log = logging.getLogger(__name__)

SCRIPT = ["workflow_started", "node_started", "text_chunk", "node_finished", "workflow_finished"]


def scripted_events(request: RunRequested) -> list[RunEvent]:
    return [
        RunEvent(
            run_id=request.run_id,
            task_id=request.task_id,
            seq=i,
            event=name,
            data={"i": i, "query": request.inputs.get("query")},
            created_at=int(time.time()),
        )
        for i, name in enumerate(SCRIPT, start=1)
    ]


def scripted_step(state, event):
    """Stands in for ``engine.advance``: a run request emits the script; a held run (input
    ``hold``) only starts, and ends ``stopped`` when a stop request arrives."""
    if isinstance(event, RunRequested):
        events = held_events(event) if event.inputs.get("hold") else scripted_events(event)
        return event, [EmitRunEvent(event=e) for e in events]
    if isinstance(event, RunStopRequested) and isinstance(state, RunRequested):
        return None, [EmitRunEvent(event=stopped_event(state))]
    if isinstance(event, RunResumeRequested) and isinstance(state, RunRequested):
        return state, [EmitRunEvent(event=e) for e in resumed_events(state)]
    return state, []


def resumed_events(request: RunRequested) -> list[RunEvent]:
    """What a resume of a finished scripted run adds: it starts again and finishes again."""
    return [
        RunEvent(
            run_id=request.run_id,
            task_id=request.task_id,
            seq=len(SCRIPT) + i,
            event=name,
            data={"resumed": True},
            created_at=1,
        )
        for i, name in enumerate(["workflow_started", "workflow_finished"], start=1)
    ]


def held_events(request: RunRequested) -> list[RunEvent]:
    return [
        RunEvent(
            run_id=request.run_id, task_id=request.task_id, seq=1, event="workflow_started", created_at=1
        )
    ]


def stopped_event(request: RunRequested) -> RunEvent:
    return RunEvent(
        run_id=request.run_id,
        task_id=request.task_id,
        seq=2,
        event="workflow_finished",
        data={"status": "stopped"},
        created_at=1,
    )


class FakeOrchestrator:
    """Reads the inbox (core subscription, no consumer), publishes the script to the events subject,
    re-publishing one event to check the relay skips duplicates."""

    def __init__(self, url: str) -> None:
        self.url, self.received = url, []

    async def __aenter__(self) -> FakeOrchestrator:
        self.nc = await nats.connect(self.url)
        self.js = self.nc.jetstream()
        self.sub = await self.nc.subscribe(subjects.RUN_INBOX_ALL, cb=self._on_request)
        await subscribed(self.nc)  # the server knows the subscription before anything is published
        return self

    async def _on_request(self, msg) -> None:
        event = parse_inbox_event(msg.data)
        known = next((r for r, _ in self.received if r.run_id == event.run_id), None)
        if isinstance(event, RunResumeRequested | RunStopRequested) and known is None:
            # Another test's run (the subscription sees the whole server's inbox): not ours.
            log.warning("fake orchestrator: %s for a run it never started", event.kind)
            return
        if isinstance(event, RunResumeRequested):
            request = known
            for resumed in resumed_events(request):
                await self.js.publish(subjects.run_events(event.run_id), resumed.model_dump_json().encode())
            return
        if isinstance(event, RunStopRequested):
            request = known
            await self.js.publish(
                subjects.run_events(event.run_id), stopped_event(request).model_dump_json().encode()
            )
            return
        request = event
        self.received.append((request, dict(msg.headers or {})))
        if request.inputs.get("hold"):
            for held in held_events(request):
                await self.js.publish(subjects.run_events(request.run_id), held.model_dump_json().encode())
            return
        for event in scripted_events(request):
            await self.js.publish(subjects.run_events(request.run_id), event.model_dump_json().encode())
            if event.seq == 2:  # a duplicate delivery, as after an orchestrator crash
                await self.js.publish(subjects.run_events(request.run_id), event.model_dump_json().encode())
            await asyncio.sleep(0.01)

    async def __aexit__(self, *exc: object) -> None:
        await self.sub.unsubscribe()
        for request, _ in self.received:  # leave the shared work queue clean for other tests
            await self.js.purge_stream(subjects.RUN_INBOX_STREAM, subject=subjects.run_inbox(request.run_id))
        await self.nc.close()


@pytest.fixture(
    params=[
        "memory",
        pytest.param("nats", marks=pytest.mark.integration),
        # GATEWAY_RUN_FEED=false: every reader has its own ordered consumer.
        pytest.param("nats-no-feed", marks=pytest.mark.integration),
    ]
)
async def bus(request) -> AsyncIterator[object]:
    if request.param == "memory":
        bus = InMemoryRunBus(scripted_step)
        await bus.start()
        yield bus
        await bus.close()
        return
    url = request.getfixturevalue("nats_url")
    broker = make_broker(NatsSettings(url=url), service_name="gateway-test", quiet=True)
    bus = NatsRunBus(
        broker,
        recorder_durable=f"test-recorder-{uuid.uuid4().hex[:8]}",
        run_feed=request.param == "nats",
    )
    await bus.start()
    async with FakeOrchestrator(url) as orchestrator:
        bus.orchestrator = orchestrator
        yield bus
    await bus.close()


def _request(query: str = "q", **inputs: object) -> RunRequested:
    run_id = str(uuid.uuid4())
    return RunRequested(
        event_id=run_id,
        run_id=run_id,
        task_id=str(uuid.uuid4()),
        app_id="a",
        workflow_id="w",
        dsl="app: {}",
        inputs={"query": query, **inputs},
        user="u",
        at=time.time(),
    )


async def _collect(bus, run_id: str) -> list[RunEvent]:
    return [e async for e in bus.events(run_id)]


async def test_events_arrive_in_order_and_end_after_the_terminal_event(bus) -> None:
    request = _request()
    await bus.publish_run(request)
    events = await asyncio.wait_for(_collect(bus, request.run_id), 10)
    assert [e.event for e in events] == SCRIPT
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert all(e.run_id == request.run_id and e.task_id == request.task_id for e in events)


async def test_late_subscriber_gets_every_event(bus) -> None:
    request = _request()
    await bus.publish_run(request)
    await asyncio.wait_for(_collect(bus, request.run_id), 10)
    again = await asyncio.wait_for(_collect(bus, request.run_id), 10)
    assert [e.seq for e in again] == [1, 2, 3, 4, 5]


async def test_subscriber_before_publish_and_concurrent_runs_do_not_mix(bus) -> None:
    first, second = _request("one"), _request("two")
    readers = [asyncio.create_task(_collect(bus, r.run_id)) for r in (first, second)]
    await asyncio.sleep(0.05)
    await bus.publish_run(first)
    await bus.publish_run(second)
    got_first, got_second = await asyncio.wait_for(asyncio.gather(*readers), 10)
    assert {e.data["query"] for e in got_first} == {"one"}
    assert {e.data["query"] for e in got_second} == {"two"}


async def test_publishing_a_run_twice_starts_it_once(bus) -> None:
    request = _request()
    await bus.publish_run(request)
    await bus.publish_run(request)
    events = await asyncio.wait_for(_collect(bus, request.run_id), 10)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    orchestrator = getattr(bus, "orchestrator", None)
    if orchestrator is not None:  # NATS: the inbox stream kept one message (Nats-Msg-Id)
        subject = subjects.run_inbox(request.run_id)
        info = await orchestrator.js.stream_info(subjects.RUN_INBOX_STREAM, subjects_filter=subject)
        assert (info.state.subjects or {}).get(subject) == 1
        headers = [h for r, h in orchestrator.received if r.run_id == request.run_id]
        assert headers and all(h.get("Nats-Msg-Id") == request.run_id for h in headers)


async def test_a_stop_request_ends_a_running_run(bus) -> None:
    request = _request(hold=True)
    await bus.publish_run(request)
    reader = asyncio.create_task(_collect(bus, request.run_id))
    await asyncio.sleep(0.2)
    assert not reader.done()
    await bus.publish_stop(
        RunStopRequested(event_id=f"{request.run_id}:stop", run_id=request.run_id, at=time.time())
    )
    events = await asyncio.wait_for(reader, 10)
    assert [e.event for e in events] == ["workflow_started", "workflow_finished"]
    assert events[-1].data == {"status": "stopped"}


async def test_a_resumed_run_relays_only_its_new_events(bus) -> None:
    request = _request("resume")
    await bus.publish_run(request)
    assert [e.event for e in await asyncio.wait_for(_collect(bus, request.run_id), 10)] == SCRIPT
    assert await bus.last_seq(request.run_id) == len(SCRIPT)
    assert await bus.last_seq(str(uuid.uuid4())) == 0

    after = await bus.last_seq(request.run_id)
    reader = asyncio.create_task(_read_after(bus, request.run_id, after))
    await bus.publish_resume(
        RunResumeRequested(event_id=f"{request.run_id}:resume:1", run_id=request.run_id, at=time.time())
    )
    events = await asyncio.wait_for(reader, 10)
    assert [(e.seq, e.event) for e in events] == [(6, "workflow_started"), (7, "workflow_finished")]
    assert all(e.data == {"resumed": True} for e in events)
    assert await bus.last_seq(request.run_id) == 7
    # Read from the start, the stream still ends at the first terminal event.
    assert [e.event for e in await asyncio.wait_for(_collect(bus, request.run_id), 10)] == SCRIPT


async def _read_after(bus, run_id: str, after: int) -> list[RunEvent]:
    return [e async for e in bus.events(run_id, after)]


async def test_consumed_events_reach_the_handler(bus) -> None:
    seen: list[RunEvent] = []
    done = asyncio.Event()

    async def handler(event: RunEvent) -> None:
        seen.append(event)
        if event.event == "workflow_finished" and event.run_id == request.run_id:
            done.set()

    request = _request("consumed")
    await bus.consume_events(handler)
    await bus.publish_run(request)
    await asyncio.wait_for(done.wait(), 10)
    # At least once: a re-published duplicate may be delivered again, never an event lost.
    mine = {e.seq: e.event for e in seen if e.run_id == request.run_id}
    assert [mine[seq] for seq in sorted(mine)] == SCRIPT


@contextlib.asynccontextmanager
async def _replica(bus, request) -> AsyncIterator[object]:  # type: ignore[no-untyped-def]
    """A second gateway replica on the same bus (the memory bus is one process: itself)."""
    if not isinstance(bus, NatsRunBus):
        yield bus
        return
    broker = make_broker(
        NatsSettings(url=request.getfixturevalue("nats_url")), service_name="gw-2", quiet=True
    )
    other = NatsRunBus(broker, recorder_durable=f"test-recorder-{uuid.uuid4().hex[:8]}")
    await other.start()
    try:
        yield other
    finally:
        await other.close()


def _listeners() -> tuple[
    dict[str, list[tuple[str, ...]]], asyncio.Event, Callable[[str], Callable[..., None]]
]:
    """What ``here`` and ``there`` heard, set once both heard something, and their handlers."""
    heard: dict[str, list[tuple[str, ...]]] = {"here": [], "there": []}
    both = asyncio.Event()

    def listener(name: str) -> Callable[..., None]:
        def hear(*args: str) -> None:
            heard[name].append(args)
            if all(heard.values()):
                both.set()

        return hear

    return heard, both, listener


@pytest.mark.parametrize(
    ("listen", "announce", "heard_args"),
    [
        # A key or app change made on one replica clears the key checks every replica remembers.
        ("on_grants_changed", lambda bus: bus.announce_grants_changed(), ()),
        # What one replica recorded reaches the handlers of all (its own included).
        ("on_recorded", lambda bus: bus.announce_recorded("run-42"), ("run-42",)),
    ],
    ids=["grants-changed", "recorded"],
)
async def test_a_notice_is_announced_to_every_replica(bus, request, listen, announce, heard_args) -> None:
    async with _replica(bus, request) as other:
        heard, both, listener = _listeners()
        await getattr(bus, listen)(listener("here"))
        await getattr(other, listen)(listener("there"))
        await asyncio.sleep(0.1)  # the subscriptions reach the server
        await announce(other)
        await asyncio.wait_for(both.wait(), 10)
        assert heard == {"here": [heard_args], "there": [heard_args]}
