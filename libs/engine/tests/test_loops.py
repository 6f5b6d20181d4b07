"""Loop nodes: rounds, break conditions, loop-end, failures, constants, streaming per round."""

from __future__ import annotations

import json
from typing import Any

import pytest
from riverflow.engine import parse_graph, run_in_process

from .graphs import edge, end, events, graph, loop, node


def _counter_loop(count: int = 10, start: str = "0", until: str = "3", **extra: Any):
    nodes = [
        node("start", "start"),
        *loop(
            "lp",
            [{"label": "n", "var_type": "number", "value_type": "constant", "value": start}],
            [{"variable_selector": ["lp", "n"], "comparison_operator": "≥", "value": until}],
            loop_count=count,
            **extra,
        ),
        node(
            "inc",
            "assigner",
            parent="lp",
            version="2",
            items=[
                {"variable_selector": ["lp", "n"], "input_type": "constant", "operation": "+=", "value": 1}
            ],
        ),
        end(n=["lp", "n"], rounds=["lp", "loop_round"]),
    ]
    return nodes, [edge("start", "lp"), edge("lpstart", "inc"), edge("lp", "end")]


def test_loop_runs_until_the_break_condition() -> None:
    nodes, edges = _counter_loop()
    outcome = run_in_process(parse_graph(graph(nodes, edges)), {})
    assert outcome.outputs == {"n": 3, "rounds": 3}
    kinds = [e.event for e in events(outcome, "loop_started", "loop_next", "loop_completed")]
    assert kinds == ["loop_started", "loop_next", "loop_next", "loop_completed"]
    done = next(e for e in outcome.events if e.event == "loop_completed")
    assert done.data["execution_metadata"]["completed_reason"] == "loop_break"
    lp = next(e for e in outcome.events if e.event == "node_finished" and e.data["node_id"] == "lp")
    assert lp.data["outputs"] == {"n": 3, "loop_round": 3}


def test_loop_stops_at_loop_count() -> None:
    nodes, edges = _counter_loop(count=2, until="100")
    outcome = run_in_process(parse_graph(graph(nodes, edges)), {})
    assert outcome.outputs == {"n": 2, "rounds": 2}


def test_break_condition_true_before_the_first_round_runs_no_round() -> None:
    # Addendum 3: no outputs, readers see the initial variables, loop_round is null.
    nodes, edges = _counter_loop(start="5", until="3")
    outcome = run_in_process(parse_graph(graph(nodes, edges)), {})
    assert outcome.outputs == {"n": 5, "rounds": None}
    assert not any(e.event == "node_started" and e.data["node_id"] == "inc" for e in outcome.events)
    lp = next(e for e in outcome.events if e.event == "node_finished" and e.data["node_id"] == "lp")
    assert lp.data["outputs"] == {}


def test_loop_end_node_stops_after_its_round() -> None:
    nodes, edges = _counter_loop(until="100")
    nodes.append(node("stop", "loop-end", parent="lp"))
    edges.append(edge("inc", "stop"))
    outcome = run_in_process(parse_graph(graph(nodes, edges)), {})
    assert outcome.outputs == {"n": 1, "rounds": 1}


def test_a_failing_body_node_fails_the_loop() -> None:
    nodes, edges = _counter_loop()
    nodes.append(node("tool", "tool", parent="lp"))
    edges.append(edge("inc", "tool"))
    outcome = run_in_process(parse_graph(graph(nodes, edges)), {}, task_runner=lambda t: 1 / 0)
    assert outcome.status == "failed" and "division by zero" in (outcome.error or "")
    done = next(e for e in outcome.events if e.event == "loop_completed")
    assert done.data["status"] == "failed"


@pytest.mark.parametrize(
    ("var_type", "value", "expected"),
    [
        ("array[string]", '["a"]', ["a"]),
        ("array[string]", ["a"], []),  # Addendum 4: a YAML list there becomes []
        ("array[boolean]", [True], [True]),
        ("object", {"k": 1}, {"k": 1}),
        ("object", '{"k": 1}', {"k": 1}),
        ("number", "2.5", 2.5),
        ("string", "7", "7"),
    ],
)
def test_loop_constants(var_type: str, value: Any, expected: Any) -> None:
    nodes = [
        node("start", "start"),
        *loop(
            "lp",
            [{"label": "v", "var_type": var_type, "value_type": "constant", "value": value}],
            [],
            loop_count=1,
        ),
        end(v=["lp", "v"]),
    ]
    outcome = run_in_process(parse_graph(graph(nodes, [edge("start", "lp"), edge("lp", "end")])), {})
    assert outcome.status == "succeeded", outcome.error
    assert json.dumps(outcome.outputs) == json.dumps({"v": expected})


def test_loop_inside_a_chatflow_streams_each_round() -> None:
    nodes, edges = _counter_loop(until="2")
    nodes = [n for n in nodes if n["id"] != "end"]
    nodes.append(node("inner", "answer", parent="lp", answer="[{{#lp.n#}}]"))
    nodes.append(node("outer", "answer", answer="done {{#lp.n#}}"))
    edges = [e for e in edges if e["target"] != "end"] + [edge("inc", "inner"), edge("lp", "outer")]
    outcome = run_in_process(parse_graph(graph(nodes, edges), mode="advanced-chat"), {})
    assert outcome.answer == "[1][2]done 2"
    assert "".join(outcome.chunks) == "[1][2]done 2"
    inner = [e for e in outcome.events if e.event == "message" and e.data.get("in_loop_id") == "lp"]
    assert "".join(e.data["answer"] for e in inner) == "[1][2]"
