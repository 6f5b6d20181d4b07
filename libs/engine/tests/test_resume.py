"""Resume: a failed run runs its failed node again; nodes that succeeded are not executed again."""

from __future__ import annotations

from collections import Counter
from typing import Any

from riverflow.contracts.events.v1 import (
    NodeTaskRequested,
    NodeTaskResult,
    RunEvent,
    RunResumeRequested,
    parse_inbox_event,
)
from riverflow.engine import DispatchNodeTask, EmitRunEvent, advance, parse_graph, run_in_process
from riverflow.engine.driver import TaskReply

from .graphs import edge, end, graph, iteration, node


def _app(retries: int = 0):
    retry = {"retry_config": {"retry_enabled": True, "max_retries": retries, "retry_interval": 0}}
    nodes = [
        node("start", "start", variables=[{"variable": "x", "type": "number"}]),
        node("a", "code", code="", variables=[{"variable": "x", "value_selector": ["start", "x"]}]),
        node("b", "code", code="", **(retry if retries else {})),
        end(result=["b", "result"], first=["a", "result"]),
    ]
    return parse_graph(graph(nodes, [edge("start", "a"), edge("a", "b"), edge("b", "end")]))


class _Service:
    """A task runner whose node ``b`` fails until ``fixed``; it records every task it gets."""

    def __init__(self) -> None:
        self.fixed = False
        self.tasks: list[NodeTaskRequested] = []

    def __call__(self, task: NodeTaskRequested) -> dict[str, Any] | TaskReply:
        self.tasks.append(task)
        if task.node_id == "a":
            return {"result": "a-ok"}
        if not self.fixed:
            return TaskReply(error="upstream is down", error_type="HTTPError")
        return {"result": "b-ok"}


def _resume(state, service: _Service, event_id: str = "resume-1", at: float = 50.0):
    """Apply a resume request, then execute the tasks it leads to (like ``run_in_process``)."""
    events: list[RunEvent] = []
    inbox: list[Any] = [RunResumeRequested(event_id=event_id, run_id=state.run_id, at=at)]
    commands_total = 0
    while inbox:
        state, commands = advance(state, inbox.pop(0))
        commands_total += len(commands)
        for command in commands:
            if isinstance(command, EmitRunEvent):
                events.append(command.event)
            elif isinstance(command, DispatchNodeTask):
                reply = service(command.task)
                ok = not isinstance(reply, TaskReply)
                inbox.append(
                    NodeTaskResult(
                        event_id=command.task.idempotency_key,
                        run_id=command.task.run_id,
                        node_id=command.task.node_id,
                        attempt=command.task.attempt,
                        status="succeeded" if ok else "failed",
                        outputs=reply if ok else {},
                        error=None if ok else reply.error,
                        at=at,
                    )
                )
    return state, events, commands_total


def _failed_run(service: _Service, retries: int = 0):
    outcome = run_in_process(_app(retries), {"x": 7}, task_runner=service, run_id="run-1", at=10.0)
    assert outcome.status == "failed"
    assert outcome.error == "upstream is down"
    return outcome


def test_resume_runs_the_failed_node_again_and_not_the_ones_that_succeeded() -> None:
    service = _Service()
    outcome = _failed_run(service)
    assert [t.node_id for t in service.tasks] == ["a", "b"]

    service.fixed = True
    state, events, _ = _resume(outcome.state, service)

    assert [t.node_id for t in service.tasks] == ["a", "b", "b"]  # a is not requested again
    first, again = service.tasks[1], service.tasks[2]
    assert (first.attempt, again.attempt) == (1, 2)
    assert again.idempotency_key == "run-1:b:2" != first.idempotency_key
    assert state.status == "succeeded" and state.error is None
    assert state.outputs == {"result": "b-ok", "first": "a-ok"}
    names = [e.event for e in events]
    assert names[0] == "workflow_started" and events[0].data["reason"] == "resumption"
    assert names[-1] == "workflow_finished"
    assert events[-1].data["status"] == "succeeded"
    assert events[-1].data["outputs"] == {"result": "b-ok", "first": "a-ok"}
    started = [e.data["node_id"] for e in events if e.event == "node_started"]
    assert started == ["b", "end"]
    # Event numbers continue the run's sequence without a gap.
    assert events[0].seq == outcome.events[-1].seq + 1
    assert [e.seq for e in events] == list(range(events[0].seq, events[0].seq + len(events)))


def test_a_resumed_node_gets_its_full_retry_budget_with_fresh_attempts() -> None:
    service = _Service()
    outcome = _failed_run(service, retries=1)
    assert [(t.node_id, t.attempt) for t in service.tasks] == [("a", 1), ("b", 1), ("b", 2)]

    # Still broken: the resumed node is retried once more, with attempts never used before.
    state, events, _ = _resume(outcome.state, service, "resume-1")
    assert [(t.node_id, t.attempt) for t in service.tasks[3:]] == [("b", 3), ("b", 4)]
    assert state.status == "failed"
    assert [e.event for e in events].count("node_retry") == 1

    service.fixed = True
    state, _, _ = _resume(state, service, "resume-2")
    assert [(t.node_id, t.attempt) for t in service.tasks[5:]] == [("b", 5)]
    assert state.status == "succeeded"
    assert Counter(t.node_id for t in service.tasks)["a"] == 1


def test_resuming_a_run_that_did_not_fail_does_nothing() -> None:
    service = _Service()
    service.fixed = True
    outcome = run_in_process(_app(), {"x": 1}, task_runner=service, run_id="run-2")
    assert outcome.status == "succeeded"
    state, events, commands = _resume(outcome.state, service)
    assert commands == 0 and events == []
    assert state.status == "succeeded" and len(service.tasks) == 2


def test_a_repeated_resume_request_is_applied_once() -> None:
    service = _Service()
    outcome = _failed_run(service)
    state, events, _ = _resume(outcome.state, service, "resume-1")
    assert state.status == "failed" and events
    same, commands = advance(state, RunResumeRequested(event_id="resume-1", run_id="run-1", at=60.0))
    assert commands == [] and same is state


def test_a_failure_inside_an_iteration_resumes_there() -> None:
    """More cases (loops, parallel and nested iterations) are in test_resume_containers.py."""
    nodes = [
        node("start", "start", variables=[{"variable": "items", "type": "array[number]"}]),
        *iteration("it", ["start", "items"], ["b", "result"]),
        node("b", "code", parent="it", code=""),
        end(out=["it", "output"]),
    ]
    edges = [edge("start", "it"), edge("itstart", "b"), edge("it", "end")]
    app = parse_graph(graph(nodes, edges))
    service = _Service()
    outcome = run_in_process(app, {"items": [1]}, task_runner=service, run_id="run-3", raw_inputs=True)
    assert outcome.status == "failed" and outcome.error == "upstream is down"
    assert outcome.state.nodes["it"].status == "failed"
    service.fixed = True
    state, events, _ = _resume(outcome.state, service)
    assert state.status == "succeeded" and state.outputs == {"out": ["b-ok"]}
    assert [t.node_id for t in service.tasks] == ["b", "b"]


def test_the_resume_request_parses_from_the_inbox() -> None:
    event = RunResumeRequested(event_id="e", run_id="r", user="u", at=3.0)
    parsed = parse_inbox_event(event.model_dump_json())
    assert isinstance(parsed, RunResumeRequested) and parsed.user == "u" and parsed.now == 3.0


def test_resume_folds_deterministically() -> None:
    def fold() -> tuple[list[dict[str, Any]], dict[str, Any]]:
        service = _Service()
        outcome = _failed_run(service)
        service.fixed = True
        state, events, _ = _resume(outcome.state, service)
        return [e.model_dump() for e in [*outcome.events, *events]], state.model_dump()

    assert fold() == fold()
