"""Single-step runs (issue 8): one node of a graph runs alone with the variables it reads seeded;
nothing after it runs, a dispatched node gets the seeded values, and what cannot run alone is refused."""

from __future__ import annotations

import re
from typing import Any

import pytest
from riverflow.contracts.events.v1 import NodeTaskResult, RunRequested, SingleNodeRun
from riverflow.engine import DispatchNodeTask, EmitRunEvent, InputError, advance, parse_graph
from riverflow.engine.single_node import plan_single_node, read_selectors, seeded_variables

from .graphs import edge, end, graph, iteration, node

LLM = {"provider": "p", "name": "m"}


def _app(mode: str = "workflow") -> Any:
    nodes = [
        node("start", "start", variables=[{"variable": "topic", "type": "text-input", "required": True}]),
        node(
            "draft",
            "llm",
            model=LLM,
            prompt_template=[{"role": "user", "text": "About {{#start.topic#}}"}],
            context={"enabled": False, "variable_selector": ["start", "topic"]},
        ),
        node(
            "format",
            "template-transform",
            template="[{{ body }}] {{ who }}",
            variables=[
                {"variable": "body", "value_selector": ["draft", "text"]},
                {"variable": "who", "value_selector": ["sys", "user_id"]},
            ],
        ),
        *iteration("loop1", ["start", "topic"], ["inner", "output"]),
        node("inner", "template-transform", parent="loop1", template="x", variables=[]),
        end("end", out=["format", "output"]),
    ]
    edges = [edge("start", "draft"), edge("draft", "format"), edge("format", "loop1"), edge("loop1", "end")]
    return parse_graph(graph(nodes, edges), mode=mode)


def _request(app: Any, node_id: str, inputs: dict[str, Any], **system: Any) -> RunRequested:
    variables = seeded_variables(app, node_id, inputs)
    return RunRequested(
        event_id="r1",
        run_id="r1",
        task_id="t1",
        app_id="a",
        workflow_id="w",
        dsl=app.source,
        inputs=inputs,
        user="ada",
        system=system,
        at=100.0,
        app_mode=app.mode,
        single_node=SingleNodeRun(node_id=node_id, variables=variables),
    )


def _events(commands: list[Any]) -> list[Any]:
    return [c.event for c in commands if isinstance(c, EmitRunEvent)]


def test_a_pure_node_runs_alone_with_its_inputs_by_selector_or_by_name() -> None:
    app = _app()
    keys = ("#draft.text#", "body", "draft.text", "format.#draft.text#", "format.body")
    for inputs in ({key: "hello"} for key in keys):
        state, commands = advance(None, _request(app, "format", inputs))
        events = _events(commands)
        assert [e.event for e in events] == [
            "workflow_started",
            "node_started",
            "node_finished",
            "workflow_finished",
        ]
        finished = events[2].data
        assert finished["node_id"] == "format" and finished["status"] == "succeeded"
        assert finished["outputs"] == {"output": "[hello] ada"}  # sys.user_id is the run's own
        assert events[-1].data["status"] == "succeeded" and state.finished
        assert set(state.nodes) == {"format"}  # neither the start nor the nodes after it ran


def test_a_dispatched_node_gets_the_seeded_values_and_nothing_runs_after_it() -> None:
    app = _app()
    request = _request(app, "draft", {"#start.topic#": "rivers"})
    state, commands = advance(None, request)
    tasks = [c.task for c in commands if isinstance(c, DispatchNodeTask)]
    assert len(tasks) == 1 and tasks[0].node_id == "draft"
    assert tasks[0].inputs["prompt_messages"] == [{"role": "user", "content": "About rivers"}]
    result = NodeTaskResult(
        event_id=tasks[0].idempotency_key,
        run_id="r1",
        node_id="draft",
        status="succeeded",
        outputs={"text": "Rivers flow."},
        at=101.0,
    )
    state, commands = advance(state, result)
    events = _events(commands)
    assert [e.event for e in events] == ["node_finished", "workflow_finished"]
    assert events[0].data["outputs"] == {"text": "Rivers flow."} and events[0].data["elapsed_time"] == 1.0
    assert set(state.nodes) == {"draft"} and state.status == "succeeded"
    # The log folds the same way again (the orchestrator's re-fold, ``riverflow replay``).
    again, first = advance(None, request)
    assert [c.model_dump() for c in first] == [c.model_dump() for c in advance(None, request)[1]]
    assert again.dsl == state.dsl and '"edges": []' in again.dsl


def test_sys_values_given_override_the_runs_own() -> None:
    app = _app("advanced-chat")
    state, commands = advance(None, _request(app, "format", {"body": "b", "sys.user_id": "bob"}))
    assert _events(commands)[2].data["outputs"] == {"output": "[b] bob"}


def test_a_failing_node_fails_the_run_with_its_error() -> None:
    app = parse_graph(
        graph(
            [node("start", "start"), node("t", "template-transform", template="{{ 1 / 0 }}", variables=[])],
            [edge("start", "t")],
        )
    )
    _, commands = advance(None, _request(app, "t", {}))
    events = _events(commands)
    assert events[2].data["status"] == "failed" and events[2].data["error"]
    assert events[-1].data["status"] == "failed"


def test_what_a_node_reads() -> None:
    app = _app()
    assert read_selectors(app.graph.node("draft")) == [("start", "topic")]  # the disabled context is not read
    assert read_selectors(app.graph.node("format")) == [("draft", "text"), ("sys", "user_id")]
    tool = parse_graph(
        graph(
            [
                node("start", "start"),
                node(
                    "t",
                    "tool",
                    tool_parameters={
                        "a": {"type": "variable", "value": ["x", "y"]},
                        "b": {"type": "mixed", "value": "{{#z.w#}}"},
                    },
                ),
            ],
            [],
        )
    )
    assert read_selectors(tool.graph.node("t")) == [("x", "y"), ("z", "w")]


@pytest.mark.parametrize(
    ("node_id", "inputs", "message"),
    [
        ("nope", {}, "Node nope is not in the workflow."),
        ("start", {}, "Node start (start) cannot run as a single step."),
        ("end", {}, "Node end (end) cannot run"),
        ("loop1", {}, "Node loop1 (iteration) cannot run"),
        ("inner", {}, "Node inner is inside the iteration or loop loop1"),
        ("format", {"nobody": 1}, "Input 'nobody' names no variable"),
        ("format", {"#draft#": 1}, "Input '#draft#' names no variable"),
    ],
)
def test_what_cannot_run_alone_is_refused(node_id: str, inputs: dict[str, Any], message: str) -> None:
    with pytest.raises(InputError, match=re.escape(message)):
        seeded_variables(_app(), node_id, inputs)


def test_missing_variables_are_named_and_a_request_with_them_fails_its_run() -> None:
    app = _app()
    request = _request(app, "format", {})
    with pytest.raises(
        InputError, match=r"Node format reads variables that have no value: give '#draft.text#'"
    ):
        plan_single_node(request)
    state, commands = advance(None, request)
    events = _events(commands)
    assert [e.event for e in events] == ["workflow_started", "workflow_finished"]
    assert events[-1].data["status"] == "failed" and "#draft.text#" in events[-1].data["error"]
