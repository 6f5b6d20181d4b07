"""The run state machine: determinism, idempotency, dispatch, retries, error strategies, stop."""

from __future__ import annotations

import json
from typing import Any

import pytest
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult, RunRequested, RunStopRequested
from riverflow.engine import (
    DispatchNodeTask,
    EmitRunEvent,
    advance,
    opening_event,
    parse_graph,
    run_in_process,
    validate_inputs,
)


def _graph(llm_data: dict[str, Any] | None = None, extra_nodes=(), extra_edges=()) -> dict[str, Any]:
    llm = {"type": "llm", "title": "LLM", "model": {"provider": "p", "name": "m"}, **(llm_data or {})}
    return {
        "nodes": [
            {
                "id": "start",
                "data": {
                    "type": "start",
                    "title": "Start",
                    "variables": [{"variable": "q", "type": "text-input", "required": True}],
                },
            },
            {"id": "llm", "data": llm},
            {
                "id": "end",
                "data": {
                    "type": "end",
                    "title": "End",
                    "outputs": [
                        {"variable": "text", "value_selector": ["llm", "text"]},
                        {"variable": "q", "value_selector": ["start", "q"]},
                    ],
                },
            },
            *extra_nodes,
        ],
        "edges": [{"source": "start", "target": "llm"}, {"source": "llm", "target": "end"}, *extra_edges],
    }


def _request(dsl: str, run_id: str = "r1", inputs: dict[str, Any] | None = None) -> RunRequested:
    return RunRequested(
        event_id=run_id,
        run_id=run_id,
        task_id="t1",
        app_id="a",
        workflow_id="w",
        dsl=dsl,
        inputs=inputs if inputs is not None else {"q": "hi"},
        at=100.0,
    )


def _result(
    task: NodeTaskRequested, status: str = "succeeded", at: float = 101.5, **kw: Any
) -> NodeTaskResult:
    return NodeTaskResult(
        event_id=task.idempotency_key,
        run_id=task.run_id,
        node_id=task.node_id,
        attempt=task.attempt,
        status=status,
        at=at,
        **kw,
    )


def _events(commands) -> list[Any]:
    return [c.event for c in commands if isinstance(c, EmitRunEvent)]


def _tasks(commands) -> list[NodeTaskRequested]:
    return [c.task for c in commands if isinstance(c, DispatchNodeTask)]


def test_dispatch_then_complete_through_advance() -> None:
    app = parse_graph(_graph())
    state, commands = advance(None, _request(app.source))
    dispatches = [c for c in commands if isinstance(c, DispatchNodeTask)]
    assert len(dispatches) == 1
    assert dispatches[0].subject == subjects.node_task("agent", "llm")
    task = dispatches[0].task
    assert (
        task.idempotency_key == "r1:llm:1" and task.node_type == "llm" and task.data["model"]["name"] == "m"
    )
    assert [e.event for e in _events(commands)] == [
        "workflow_started",
        "node_started",
        "node_finished",
        "node_started",
    ]
    assert not state.finished
    state2, commands2 = advance(state, _result(task, outputs={"text": "hello"}, metadata={"total_tokens": 7}))
    events = _events(commands2)
    # The End template's later segments are already available, so they stream right behind "hello".
    assert [e.event for e in events] == [
        "text_chunk",
        "text_chunk",
        "text_chunk",
        "node_finished",
        "node_started",
        "node_finished",
        "workflow_finished",
    ]
    assert [e.data.get("text") for e in events if e.event == "text_chunk"] == ["hello", "\n", "hi"]
    finished = events[-1].data
    assert finished["status"] == "succeeded" and finished["outputs"] == {"text": "hello", "q": "hi"}
    assert finished["total_tokens"] == 7 and finished["total_steps"] == 3 and finished["elapsed_time"] == 1.5
    llm_done = events[3].data
    assert (
        llm_done["elapsed_time"] == 1.5
        and llm_done["index"] == 2
        and llm_done["predecessor_node_id"] == "start"
    )
    # seq numbers run from 1 without gaps across advance calls.
    seqs = [e.seq for e in _events(commands) + events]
    assert seqs == list(range(1, len(seqs) + 1))
    # The input state was not mutated.
    assert not state.finished and state.seq == 4 and "llm" not in state.variables
    assert state2.finished and state2.status == "succeeded"
    # After the run finished, nothing more happens.
    stop = RunStopRequested(event_id="stop", run_id="r1", at=200.0)
    assert advance(state2, stop)[1] == []


def test_duplicate_event_is_ignored_and_fold_is_deterministic() -> None:
    app = parse_graph(_graph())
    request = _request(app.source)
    s1, c1 = advance(None, request)
    s1b, c1b = advance(None, request)
    assert c1 == c1b and s1 == s1b
    assert advance(s1, request) == (s1, [])
    task = _tasks(c1)[0]
    result = _result(task, outputs={"text": "x"})
    s2, c2 = advance(s1, result)
    s2b, c2b = advance(s1b, result)
    assert c2 == c2b and s2.model_dump() == s2b.model_dump()
    assert advance(s2, result) == (s2, [])
    # State round-trips through JSON (the orchestrator may persist it).
    assert type(s2).model_validate_json(s2.model_dump_json()) == s2


def test_stale_result_is_ignored() -> None:
    app = parse_graph(_graph())
    state, commands = advance(None, _request(app.source))
    task = _tasks(commands)[0].model_copy(update={"attempt": 5, "idempotency_key": "r1:llm:5"})
    new_state, cmds = advance(state, _result(task, outputs={"text": "x"}))
    assert cmds == [] and not new_state.finished


def _runner(script: list[Any]):
    calls: list[NodeTaskRequested] = []

    def run(task: NodeTaskRequested) -> dict[str, Any]:
        calls.append(task)
        item = script[len(calls) - 1]
        if isinstance(item, Exception):
            raise item
        return item

    return run, calls


def test_retry_then_success() -> None:
    retry = {"retry_config": {"retry_enabled": True, "max_retries": 2, "retry_interval": 500}}
    run, calls = _runner([RuntimeError("boom 1"), RuntimeError("boom 2"), {"text": "ok"}])
    outcome = run_in_process(parse_graph(_graph(retry)), {"q": "hi"}, task_runner=run, run_id="r")
    assert outcome.status == "succeeded" and outcome.outputs == {"text": "ok", "q": "hi"}
    assert [c.attempt for c in calls] == [1, 2, 3]
    assert [c.idempotency_key for c in calls] == ["r:llm:1", "r:llm:2", "r:llm:3"]
    assert calls[1].not_before == pytest.approx(0.5)
    retries = [e for e in outcome.events if e.event == "node_retry"]
    assert [(e.data["retry_index"], e.data["error"]) for e in retries] == [(1, "boom 1"), (2, "boom 2")]


def test_retries_exhausted_fails_the_run() -> None:
    retry = {"retry_config": {"retry_enabled": True, "max_retries": 1, "retry_interval": 0}}
    run, calls = _runner([RuntimeError("e1"), RuntimeError("e2")])
    outcome = run_in_process(parse_graph(_graph(retry)), {"q": "hi"}, task_runner=run)
    assert len(calls) == 2
    assert outcome.status == "failed" and outcome.error == "e2"
    failed = [e for e in outcome.events if e.event == "node_finished" and e.data["status"] == "failed"]
    assert [e.data["node_id"] for e in failed] == ["llm"]
    assert outcome.events[-1].event == "workflow_finished" and outcome.events[-1].data["error"] == "e2"
    assert not any(e.event == "node_started" and e.data["node_id"] == "end" for e in outcome.events)


def test_default_value_gives_partial_success() -> None:
    data = {
        "error_strategy": "default-value",
        "default_value": [{"key": "text", "type": "string", "value": "fallback"}],
    }
    run, _ = _runner([RuntimeError("down")])
    outcome = run_in_process(parse_graph(_graph(data)), {"q": "hi"}, task_runner=run)
    assert outcome.status == "partial-succeeded"
    assert outcome.outputs == {"text": "fallback", "q": "hi"}
    finished = outcome.events[-1].data
    assert finished["exceptions_count"] == 1 and finished["status"] == "partial-succeeded"
    llm = next(e for e in outcome.events if e.event == "node_finished" and e.data["node_id"] == "llm")
    assert llm.data["status"] == "exception" and llm.data["outputs"]["error_message"] == "down"


def _fail_branch_graph() -> dict[str, Any]:
    handler = {
        "id": "handler",
        "data": {
            "type": "end",
            "title": "H",
            "outputs": [{"variable": "err", "value_selector": ["llm", "error_message"]}],
        },
    }
    graph = _graph(
        {"error_strategy": "fail-branch"},
        extra_nodes=[handler],
        extra_edges=[{"source": "llm", "sourceHandle": "fail-branch", "target": "handler"}],
    )
    return graph


def test_fail_branch_takes_the_fail_edge() -> None:
    run, _ = _runner([RuntimeError("nope")])
    outcome = run_in_process(parse_graph(_fail_branch_graph()), {"q": "hi"}, task_runner=run)
    assert outcome.status == "partial-succeeded"
    assert outcome.outputs == {"err": "nope"}
    ran = [e.data["node_id"] for e in outcome.events if e.event == "node_started"]
    assert ran == ["start", "llm", "handler"]


def test_fail_branch_success_skips_the_fail_edge() -> None:
    run, _ = _runner([{"text": "fine"}])
    outcome = run_in_process(parse_graph(_fail_branch_graph()), {"q": "hi"}, task_runner=run)
    assert outcome.status == "succeeded" and outcome.outputs == {"text": "fine", "q": "hi"}


def test_stop_request_stops_the_run() -> None:
    app = parse_graph(_graph())
    state, commands = advance(None, _request(app.source))
    state2, commands2 = advance(state, RunStopRequested(event_id="s", run_id="r1", at=150.0))
    events = _events(commands2)
    assert [e.event for e in events] == ["workflow_finished"]
    assert events[0].data["status"] == "stopped" and state2.status == "stopped"
    # A late result for the stopped run changes nothing.
    assert advance(state2, _result(_tasks(commands)[0], outputs={"text": "late"}))[1] == []


def test_invalid_inputs_fail_the_run_in_advance() -> None:
    app = parse_graph(_graph())
    state, commands = advance(None, _request(app.source, inputs={}))
    events = _events(commands)
    assert [e.event for e in events] == ["workflow_started", "workflow_finished"]
    assert state.status == "failed" and "required" in (state.error or "")


def test_a_clean_start_logs_the_opening_event_a_gateway_can_build_from_the_request() -> None:
    app = parse_graph(_graph())
    # Taken up a few seconds after it was accepted: the opening keeps the request's time.
    request = _request(app.source, inputs={"q": "hi", "undeclared": 1}).model_copy(
        update={"processed_at": 103.9}
    )
    inputs = validate_inputs(app, request.inputs)
    _, commands = advance(None, request)
    first = _events(commands)[0]
    assert first == opening_event(request, inputs)
    assert first.seq == 1 and first.created_at == 100 and first.data["inputs"] == {"q": "hi"}
    # The orchestrator validates the gateway's already validated inputs again: the same values.
    again = request.model_copy(update={"inputs": inputs})
    assert _events(advance(None, again)[1])[0] == opening_event(again, inputs)
    # The rest of the step keeps the step's own clock.
    assert {e.created_at for e in _events(commands)[1:]} == {103}


def test_unsupported_node_type_fails_with_a_clear_error() -> None:
    graph = _graph()
    graph["nodes"][1]["data"] = {"type": "knowledge-index", "title": "Index"}
    outcome = run_in_process(parse_graph(graph), {"q": "hi"})
    assert outcome.status == "failed" and "knowledge-index" in (outcome.error or "")


def test_question_classifier_routes_by_class_id() -> None:
    graph = {
        "nodes": [
            {"id": "start", "data": {"type": "start"}},
            {"id": "qc", "data": {"type": "question-classifier", "classes": [{"id": "c1"}, {"id": "c2"}]}},
            {
                "id": "a",
                "data": {"type": "end", "outputs": [{"variable": "a", "value_selector": ["qc", "class_id"]}]},
            },
            {
                "id": "b",
                "data": {"type": "end", "outputs": [{"variable": "b", "value_selector": ["qc", "class_id"]}]},
            },
        ],
        "edges": [
            {"source": "start", "target": "qc"},
            {"source": "qc", "sourceHandle": "c1", "target": "a"},
            {"source": "qc", "sourceHandle": "c2", "target": "b"},
        ],
    }
    outcome = run_in_process(parse_graph(graph), {}, task_runner=lambda task: {"class_id": "c2"})
    assert outcome.outputs == {"b": "c2"}


def test_chatflow_streams_message_events_and_joins_answers() -> None:
    graph = {
        "nodes": [
            {"id": "start", "data": {"type": "start"}},
            {"id": "llm", "data": {"type": "llm"}},
            {"id": "ans", "data": {"type": "answer", "answer": "Q={{#sys.query#}} A={{#llm.text#}}"}},
        ],
        "edges": [{"source": "start", "target": "llm"}, {"source": "llm", "target": "ans"}],
    }
    app = parse_graph(graph, mode="advanced-chat")
    outcome = run_in_process(
        app, {}, system={"sys.query": "why", "message_id": "m1"}, task_runner=lambda task: {"text": "because"}
    )
    assert outcome.answer == "Q=why A=because" and outcome.outputs == {"answer": "Q=why A=because"}
    messages = [e for e in outcome.events if e.event == "message"]
    assert [m.data["answer"] for m in messages] == ["Q=", "why", " A=", "because"]
    assert {m.data["id"] for m in messages} == {"m1"}
    # Literal text and sys values are attributed to the answer node; node values to the producer.
    assert messages[1].data["from_variable_selector"] == ["ans", "answer"]
    assert messages[3].data["from_variable_selector"] == ["llm", "text"]
    # The producer's chunk precedes its node_finished event.
    names = [(e.event, e.data.get("node_id")) for e in outcome.events]
    assert names.index(("message", None)) < names.index(("node_finished", "start"))
    llm_finished = names.index(("node_finished", "llm"))
    assert outcome.events[llm_finished - 1].data.get("answer") == "because"


def test_env_variables_and_dispatch_services() -> None:
    graph = {
        "nodes": [
            {"id": "start", "data": {"type": "start"}},
            {"id": "kr", "data": {"type": "knowledge-retrieval"}},
            {"id": "code", "data": {"type": "code"}},
            {
                "id": "end",
                "data": {"type": "end", "outputs": [{"variable": "k", "value_selector": ["env", "KEY"]}]},
            },
        ],
        "edges": [
            {"source": "start", "target": "kr"},
            {"source": "start", "target": "code"},
            {"source": "kr", "target": "end"},
            {"source": "code", "target": "end"},
        ],
    }
    doc = {
        "app": {"mode": "workflow", "name": "x"},
        "workflow": {
            "graph": graph,
            "environment_variables": [{"name": "KEY", "value": "42", "value_type": "number"}],
        },
    }
    state, commands = advance(None, _request(json.dumps(doc), inputs={}))
    assert [c.subject for c in commands if isinstance(c, DispatchNodeTask)] == [
        "rf.v1.tasks.rag.knowledge-retrieval",
        "rf.v1.tasks.orchestrator.code",
    ]
    tasks = _tasks(commands)
    state, cmds = advance(state, _result(tasks[0], outputs={"result": []}))
    assert not state.finished  # the join waits for both branches
    state, cmds = advance(state, _result(tasks[1], outputs={}))
    assert state.status == "succeeded" and state.outputs == {"k": 42}
