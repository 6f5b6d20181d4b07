"""The orchestrator's node-task route on a real nats-server: task → executor → NodeTaskResult in the
run inbox, keyed by the idempotency key (so a redelivered task's second result is dropped)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest
from faststream.nats import NatsBroker
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult, RunStopRequested
from riverflow.orchestrator.handlers import build_router
from riverflow.orchestrator.settings import OrchestratorSettings
from riverflow.orchestrator.tasks import TaskOutcome, TaskRegistry
from riverflow.runtime.settings import NatsSettings
from riverflow.runtime.streams import ensure_streams

pytestmark = pytest.mark.integration


class _Recorder:
    """Stands in for the RunAdvancer: remembers what reached the run inbox."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    async def handle(self, event: Any) -> None:
        self.events.append(event)

    def results(self, key: str) -> list[NodeTaskResult]:
        return [e for e in self.events if isinstance(e, NodeTaskResult) and e.event_id == key]


class _Doubler:
    """An executor: doubles ``inputs.n``; counts its calls."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def execute(self, task: NodeTaskRequested) -> TaskOutcome:
        self.calls.append(time.time())
        if task.inputs.get("huge"):
            return TaskOutcome(outputs={"blob": "x" * 200_000})
        return TaskOutcome(outputs={"n": task.inputs["n"] * 2}, metadata={"by": "doubler"})


@pytest.fixture
async def platform(nats_url: str) -> AsyncIterator[tuple[NatsBroker, _Recorder, _Doubler]]:
    settings = OrchestratorSettings(
        nats=NatsSettings(url=nats_url), task_workers=2, task_result_max_bytes=100_000
    )
    recorder, doubler = _Recorder(), _Doubler()
    broker = NatsBroker(nats_url)
    broker.include_router(build_router(recorder, settings, TaskRegistry({"code": doubler})))  # type: ignore[arg-type]
    await broker.connect()
    await ensure_streams(broker.connection.jetstream())
    await broker.start()
    yield broker, recorder, doubler
    await broker.stop()


async def _send(
    broker: NatsBroker,
    node_type: str,
    inputs: dict[str, Any],
    key: str | None = None,
    not_before: float | None = None,
) -> str:
    run_id = uuid.uuid4().hex
    key = key or f"{run_id}:node:1"
    task = NodeTaskRequested(
        run_id=key.split(":")[0],
        node_id="node",
        node_type=node_type,
        idempotency_key=key,
        inputs=inputs,
        at=time.time(),
        not_before=not_before,
    )
    js = broker.connection.jetstream()
    await js.publish(
        subjects.node_task("orchestrator", node_type),
        task.model_dump_json().encode(),
        headers={"Nats-Msg-Id": uuid.uuid4().hex},
    )
    return key


async def _wait(recorder: _Recorder, key: str, count: int = 1, timeout: float = 10.0) -> list[NodeTaskResult]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if len(found := recorder.results(key)) >= count:
            return found
        await asyncio.sleep(0.05)
    raise AssertionError(f"no result for {key}: {recorder.events}")


async def test_result_reaches_the_run_inbox(platform: tuple[NatsBroker, _Recorder, _Doubler]) -> None:
    broker, recorder, _ = platform
    key = await _send(broker, "code", {"n": 21})
    [result] = await _wait(recorder, key)
    assert result.status == "succeeded" and result.outputs == {"n": 42}
    assert result.metadata == {"by": "doubler"}
    assert result.run_id == key.split(":")[0] and result.node_id == "node" and result.attempt == 1


async def test_inbox_events_carry_when_jetstream_stored_them(
    platform: tuple[NatsBroker, _Recorder, _Doubler],
) -> None:
    broker, recorder, _ = platform
    js = broker.connection.jetstream()
    before = time.time()
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    fresh = RunStopRequested(event_id=f"{a}:stop", run_id=a, at=before - 60)
    again = RunStopRequested(event_id=f"{b}:stop", run_id=b, at=before - 60, queued_at=before - 30)
    for event in (fresh, again):
        await js.publish(subjects.run_inbox(event.run_id), event.model_dump_json().encode())
    # Waits for these two: the session's server may still hold other tests' inbox events.
    deadline = time.monotonic() + 10
    while not {a, b} <= {e.run_id for e in recorder.events} and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    stamps = {e.run_id: e.queued_at for e in recorder.events}
    # Stamped from the stream (not from the producer's ``at``), once: a re-published copy keeps it.
    assert before - 1 <= stamps[a] <= time.time() and stamps[b] == before - 30


async def test_a_redelivered_task_yields_one_result(platform: tuple[NatsBroker, _Recorder, _Doubler]) -> None:
    broker, recorder, doubler = platform
    key = await _send(broker, "code", {"n": 1})
    await _wait(recorder, key)
    await _send(broker, "code", {"n": 1}, key=key)  # the same task again (a redelivery after a crash)
    deadline = time.monotonic() + 5
    while len(doubler.calls) < 2 and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.5)
    assert len(doubler.calls) == 2  # executed twice...
    assert len(recorder.results(key)) == 1  # ...but Nats-Msg-Id = the key made JetStream drop the copy


async def test_unknown_node_types_fail_cleanly(platform: tuple[NatsBroker, _Recorder, _Doubler]) -> None:
    broker, recorder, _ = platform
    key = await _send(broker, "document-extractor", {})
    [result] = await _wait(recorder, key)
    assert result.status == "failed" and result.error_type == "UnsupportedNodeError"
    assert "document-extractor" in str(result.error)


async def test_retry_interval_is_honoured(platform: tuple[NatsBroker, _Recorder, _Doubler]) -> None:
    broker, recorder, doubler = platform
    sent = time.time()
    key = await _send(broker, "code", {"n": 2}, not_before=sent + 1.5)
    await _wait(recorder, key)
    assert doubler.calls[-1] >= sent + 1.4


async def test_results_too_large_for_the_bus_fail_clearly(
    platform: tuple[NatsBroker, _Recorder, _Doubler],
) -> None:
    broker, recorder, _ = platform
    key = await _send(broker, "code", {"huge": True})
    [result] = await _wait(recorder, key)
    assert result.status == "failed" and result.error_type == "OutputTooLargeError"
    assert "limit 100000" in str(result.error) and result.outputs == {}
