"""RunAdvancer: log before publish, redelivery republishes the same commands, replicas are fenced."""

from __future__ import annotations

import time
import uuid

import pytest
from riverflow.contracts.events.v1 import NodeTaskResult, RunEvent, RunRequested
from riverflow.orchestrator.adapters.memory import InMemoryRunLog, InMemoryRunOutbox
from riverflow.orchestrator.run_advancer import RunAdvancer

from .conftest import load_fixture


def _request(dsl: str, inputs: dict) -> RunRequested:
    run_id = str(uuid.uuid4())
    return RunRequested(
        event_id=run_id,
        run_id=run_id,
        task_id=str(uuid.uuid4()),
        app_id="app",
        workflow_id="wf",
        dsl=dsl,
        inputs=inputs,
        user="u",
        system={"user_id": "u", "app_id": "app", "workflow_run_id": run_id},
        at=time.time(),
    )


def _names(events: list[RunEvent]) -> list[str]:
    return [e.event for e in events]


class _FlakyOutbox(InMemoryRunOutbox):
    """Fails the first emit, as if the process died after the log append."""

    def __init__(self) -> None:
        super().__init__()
        self.failures = 1

    async def emit(self, events: list[RunEvent]) -> None:
        if self.failures:
            self.failures -= 1
            raise ConnectionError("broker went away")
        await super().emit(events)


async def test_pure_workflow_runs_to_completion_in_one_step() -> None:
    log, outbox = InMemoryRunLog(), InMemoryRunOutbox()
    request = _request(load_fixture("simple_passthrough_workflow.yml"), {"query": "hi"})
    outcome = await RunAdvancer(log, outbox).handle(request)
    assert outcome.applied and outcome.finished
    assert _names(outbox.events)[0] == "workflow_started"
    assert outbox.events[-1].event == "workflow_finished"
    assert outbox.events[-1].data["outputs"] == {"query": "hi"}
    assert [e.seq for e in outbox.events] == list(range(1, len(outbox.events) + 1))
    assert len(await log.read(request.run_id)) == 1


async def test_redelivery_after_a_crash_republishes_without_applying_twice() -> None:
    log, outbox = InMemoryRunLog(), _FlakyOutbox()
    request = _request(load_fixture("simple_passthrough_workflow.yml"), {"query": "again"})
    with pytest.raises(ConnectionError):
        await RunAdvancer(log, outbox).handle(request)
    assert outbox.events == [] and len(await log.read(request.run_id)) == 1

    # Another replica (fresh cache) gets the redelivered request.
    outcome = await RunAdvancer(log, outbox).handle(request)
    assert not outcome.applied and outcome.finished
    assert _names(outbox.events).count("workflow_finished") == 1
    assert len(await log.read(request.run_id)) == 1

    # A third delivery changes nothing anywhere.
    before = list(outbox.events)
    await RunAdvancer(log, outbox).handle(request)
    assert outbox.events == before


async def test_replicas_share_one_run_through_the_log() -> None:
    log, outbox = InMemoryRunLog(), InMemoryRunOutbox()
    replica_a, replica_b = RunAdvancer(log, outbox), RunAdvancer(log, outbox)
    request = _request(load_fixture("basic_llm_chat_workflow.yml"), {"query": "tell me"})

    await replica_a.handle(request)
    assert len(outbox.tasks) == 1, "the llm node goes out as a task"
    task = outbox.tasks[0].task
    result = NodeTaskResult(
        event_id=task.idempotency_key,
        run_id=task.run_id,
        node_id=task.node_id,
        attempt=task.attempt,
        status="succeeded",
        outputs={"text": "a river"},
        at=time.time(),
    )
    # Replica B never saw the run: it folds the log written by A, then applies the result.
    outcome = await replica_b.handle(result)
    assert outcome.applied and outcome.finished
    assert outbox.events[-1].event == "workflow_finished"
    assert outbox.events[-1].data["status"] == "succeeded"

    # Replica A's cache is stale now; the redelivered result is recognised, not applied again.
    again = await replica_a.handle(result)
    assert not again.applied
    assert _names(outbox.events).count("workflow_finished") == 1
    assert len(await log.read(request.run_id)) == 2


async def test_result_for_an_unknown_run_is_dropped() -> None:
    log, outbox = InMemoryRunLog(), InMemoryRunOutbox()
    stray = NodeTaskResult(event_id="x:y:1", run_id="nope", node_id="y", status="succeeded", at=time.time())
    outcome = await RunAdvancer(log, outbox).handle(stray)
    assert not outcome.applied and outbox.events == [] and await log.read("nope") == []


async def test_elapsed_time_runs_from_acceptance_to_processing_and_survives_refold() -> None:
    log, outbox = InMemoryRunLog(), InMemoryRunOutbox()
    request = _request(load_fixture("simple_passthrough_workflow.yml"), {"query": "slow queue"})
    request = request.model_copy(update={"at": 1000.0})
    await RunAdvancer(log, outbox, clock=lambda: 1002.5).handle(request)
    assert outbox.events[-1].data["elapsed_time"] == 2.5

    # The processing time was logged with the event: a re-fold elsewhere sees the same clock.
    (entry,) = await log.read(request.run_id)
    assert entry.event.processed_at == 1002.5


async def test_a_replica_that_folds_the_log_first_publishes_the_last_steps_events() -> None:
    """A replica died between logging a step and publishing its events; the next event of the run
    reaches another replica before the redelivery: the run's stream still gets them first, in order."""
    log, outbox = InMemoryRunLog(), _FlakyOutbox()
    replica_a, replica_b = RunAdvancer(log, outbox), RunAdvancer(log, outbox)
    request = _request(load_fixture("basic_llm_chat_workflow.yml"), {"query": "tell me"})
    with pytest.raises(ConnectionError):
        await replica_a.handle(request)  # logged; its events (and the llm task) never went out
    assert outbox.events == []
    result = NodeTaskResult(
        event_id=f"{request.run_id}:llm_node:1",
        run_id=request.run_id,
        node_id="llm_node",
        attempt=1,
        status="succeeded",
        outputs={"text": "a river"},
        at=time.time(),
    )
    outcome = await replica_b.handle(result)
    assert outcome.applied and outcome.finished
    seqs = [e.seq for e in outbox.events]
    assert seqs == list(range(1, len(seqs) + 1)), seqs
    assert _names(outbox.events)[0] == "workflow_started" and _names(outbox.events)[-1] == "workflow_finished"
    # The redelivered request changes nothing: its events are already in the stream, once.
    before = list(outbox.events)
    await replica_b.handle(request)
    assert outbox.events == before
