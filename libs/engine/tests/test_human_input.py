"""Human input: the run pauses at the form and resumes on the branch of the submitted action."""

from __future__ import annotations

from typing import Any

from riverflow.contracts.events.v1 import (
    HumanInputSubmitted,
    NodeTaskResult,
    RunRequested,
    RunStopRequested,
    parse_inbox_event,
)
from riverflow.engine import DispatchNodeTask, EmitRunEvent, advance, parse_graph, run_in_process

from .graphs import edge, end, graph, iteration, node

_FORM = {
    "form_content": "Approve {{#start.doc#}}? {{#$output.comment#}}",
    "inputs": [
        {
            "type": "paragraph",
            "output_variable_name": "comment",
            "placeholder": {"type": "variable", "selector": ["start", "doc"]},
        }
    ],
    "user_actions": [{"id": "approve", "title": "Approve"}, {"id": "reject", "title": "Reject"}],
    "timeout": 36,
    "timeout_unit": "hour",
}


def _app():
    nodes = [
        node("start", "start", variables=[{"variable": "doc", "type": "text-input"}]),
        node("ask", "human-input", **_FORM),
        end("yes", result=["ask", "comment"]),
        end("no", rejected=["ask", "action_id"]),
    ]
    edges = [edge("start", "ask"), edge("ask", "yes", "approve"), edge("ask", "no", "reject")]
    return parse_graph(graph(nodes, edges))


def _request(app) -> RunRequested:
    return RunRequested(
        event_id="r",
        run_id="r",
        task_id="r",
        app_id="",
        workflow_id="",
        dsl=app.source,
        inputs={"doc": "report.pdf"},
        at=10.0,
    )


def _submit(
    action: str, inputs: dict[str, Any] | None = None, event_id: str = "form-1"
) -> HumanInputSubmitted:
    return HumanInputSubmitted(
        event_id=event_id, run_id="r", node_id="ask", action_id=action, inputs=inputs or {}, at=20.0
    )


def _names(commands) -> list[str]:
    return [c.event.event for c in commands if isinstance(c, EmitRunEvent)]


def test_the_run_pauses_with_the_form_then_resumes_on_the_chosen_branch() -> None:
    app = _app()
    state, commands = advance(None, _request(app))
    assert state.status == "paused" and not state.finished
    assert _names(commands)[-1] == "workflow_paused"
    paused = commands[-1].event
    assert paused.is_terminal and paused.data["status"] == "paused" and paused.data["paused_nodes"] == ["ask"]
    reason = paused.data["reasons"][0]
    assert reason["form_content"] == "Approve report.pdf? {{#$output.comment#}}"
    assert reason["resolved_default_values"] == {"comment": "report.pdf"}
    assert [a["id"] for a in reason["actions"]] == ["approve", "reject"]

    state2, commands2 = advance(state, _submit("approve", {"comment": "fine"}))
    assert _names(commands2)[:2] == ["workflow_started", "human_input_form_filled"]
    assert commands2[0].event.data["reason"] == "resumption"
    assert state2.status == "succeeded" and state2.outputs == {"result": "fine"}
    ask = next(c.event for c in commands2 if isinstance(c, EmitRunEvent) and c.event.event == "node_finished")
    assert ask.data["outputs"] == {"comment": "fine", "action_id": "approve", "__action_id": "approve"}
    # Folding the same events again gives the same result (the state machine stays pure).
    again, _ = advance(advance(None, _request(app))[0], _submit("approve", {"comment": "fine"}))
    assert again.model_dump() == state2.model_dump()


def test_other_action_takes_its_branch_and_unknown_actions_change_nothing() -> None:
    state, _ = advance(None, _request(_app()))
    same, commands = advance(state, _submit("maybe"))
    assert commands == [] and same.status == "paused"
    done, _ = advance(state, _submit("reject", event_id="form-2"))
    assert done.outputs == {"rejected": "reject"}


def test_stop_while_paused() -> None:
    state, _ = advance(None, _request(_app()))
    stopped, commands = advance(state, RunStopRequested(event_id="s", run_id="r", at=11.0))
    assert stopped.status == "stopped" and _names(commands) == ["workflow_finished"]
    assert advance(stopped, _submit("approve"))[1] == []


def test_human_input_inside_an_iteration_pauses_once_per_item() -> None:
    nodes = [
        node("start", "start", variables=[{"variable": "doc", "type": "text-input"}]),
        node("llm", "llm"),
        *iteration("it", ["llm", "items"], ["ask", "action_id"]),
        node("ask", "human-input", parent="it", **_FORM),
        end(out=["it", "output"]),
    ]
    edges = [edge("start", "llm"), edge("llm", "it"), edge("itstart", "ask"), edge("it", "end")]
    state, commands = advance(None, _request(parse_graph(graph(nodes, edges))))
    task = next(c.task for c in commands if isinstance(c, DispatchNodeTask))
    result = NodeTaskResult(
        event_id=task.idempotency_key,
        run_id="r",
        node_id="llm",
        attempt=1,
        status="succeeded",
        outputs={"items": ["x", "y"]},
        at=12.0,
    )
    state, commands = advance(state, result)
    assert state.status == "paused" and list(state.paused) == ["it#0|ask"]
    state, commands = advance(state, _submit("approve"))
    assert state.status == "paused" and list(state.paused) == ["it#1|ask"]
    assert _names(commands).count("workflow_paused") == 1
    state, _ = advance(state, _submit("reject", event_id="form-2"))
    assert state.status == "succeeded" and state.outputs == {"out": ["approve", "reject"]}


def test_driver_answers_forms_through_a_callback() -> None:
    outcome = run_in_process(
        _app(), {"doc": "x"}, human_answer=lambda node_id, reason: ("approve", {"comment": "ok"})
    )
    assert outcome.status == "succeeded" and outcome.outputs == {"result": "ok"}
    unanswered = run_in_process(_app(), {"doc": "x"})
    assert unanswered.status == "paused" and unanswered.events[-1].event == "workflow_paused"


def test_contract_round_trips_through_the_inbox_union() -> None:
    event = _submit("approve", {"comment": "c"})
    parsed = parse_inbox_event(event.model_dump_json())
    assert isinstance(parsed, HumanInputSubmitted) and parsed == event


def test_a_result_for_a_paused_run_branch_still_counts() -> None:
    nodes = [
        node("start", "start", variables=[{"variable": "doc", "type": "text-input"}]),
        node("ask", "human-input", **_FORM),
        node("llm", "llm"),
        end("yes", result=["ask", "comment"], text=["llm", "text"]),
    ]
    edges = [edge("start", "ask"), edge("start", "llm"), edge("ask", "yes", "approve"), edge("llm", "yes")]
    app = parse_graph(graph(nodes, edges))
    state, commands = advance(None, _request(app))
    assert state.status == "running"  # the LLM is still in flight: not paused yet
    task = next(c.task for c in commands if isinstance(c, DispatchNodeTask))
    result = NodeTaskResult(
        event_id=task.idempotency_key,
        run_id="r",
        node_id="llm",
        attempt=1,
        status="succeeded",
        outputs={"text": "T"},
        at=12.0,
    )
    state, commands = advance(state, result)
    assert state.status == "paused" and _names(commands)[-1] == "workflow_paused"
    state, _ = advance(state, _submit("approve", {"comment": "c"}))
    assert state.status == "succeeded" and state.outputs == {"result": "c", "text": "T"}
