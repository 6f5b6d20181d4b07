"""If-else operators (dify-dsl.md §6 and the Addendum) and the if-else node."""

from __future__ import annotations

from typing import Any

import pytest
from riverflow.engine import NodeError, compare, evaluate_conditions, parse_graph, run_in_process


@pytest.mark.parametrize(
    ("op", "value", "expected", "result"),
    [
        ("contains", "hello world", "hello", True),
        ("contains", "Hello", "hello", False),
        ("contains", "", "x", False),
        ("contains", None, "x", False),
        ("contains", ["a", "b"], "a", True),
        ("contains", [10, 20], "10", False),  # Addendum 1
        ("not contains", "abc", "d", True),
        ("not contains", "abc", "b", False),
        ("not contains", "", "x", True),
        ("start with", "hello", "he", True),
        ("start with", "hello", "lo", False),
        ("start with", "", "", False),
        ("end with", "hello", "lo", True),
        ("end with", "hello", "he", False),
        ("is", "abc", "abc", True),
        ("is", "abc", "abc ", False),
        ("is", "ABC", "abc", False),
        ("is", None, "x", False),
        ("is", True, "true", True),
        ("is", False, "1", False),
        ("is not", "a", "b", True),
        ("is not", "a", "a", False),
        ("empty", "", None, True),
        ("empty", 0, None, True),
        ("empty", [], None, True),
        ("empty", "x", None, False),
        ("not empty", [1], None, True),
        ("not empty", None, None, False),
        ("in", "b", ["a", "b"], True),
        ("in", "c", ["a", "b"], False),
        ("in", "", ["a"], False),
        ("not in", "c", ["a", "b"], True),
        ("not in", "", ["a"], True),
        ("all of", ["a", "b", "c"], ["a", "c"], True),
        ("all of", ["a"], ["a", "c"], False),
        ("all of", "abc", ["a", "bc"], True),
        ("=", 1, "1", True),
        ("=", 1.5, "1.5", True),
        ("=", 2, 2.7, True),  # int() on the right side, as Dify does
        ("≠", 1, "2", True),
        ("≠", 1, "1", False),
        ("=", True, "true", True),
        ("=", None, "1", False),
        (">", 3, "2", True),
        (">", 2, "2", False),
        ("<", 1.5, "2", True),
        ("≥", 2, "2", True),
        ("≤", 3, "2", False),
        (">", None, "1", False),
        ("null", None, None, True),
        ("null", "", None, False),
        ("not null", 0, None, True),
        ("exists", "x", None, True),
        ("not exists", None, None, True),
    ],
)
def test_operator(op: str, value: Any, expected: Any, result: bool) -> None:
    assert compare(op, value, expected) is result


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("=", 2, "2.0"),  # Addendum 5: int('2.0') fails the node
        ("=", "2", "2"),
        (">", "3", "2"),
        ("start with", 5, "5"),
        ("contains", 5, "5"),
        ("is", 5, "5"),
        ("in", "a", 5),
        ("teleports", 1, 1),
    ],
)
def test_operator_errors(op: str, value: Any, expected: Any) -> None:
    with pytest.raises(NodeError):
        compare(op, value, expected)


POOL = {
    "n": {
        "s": "hello",
        "num": 3,
        "obj": {"k": None},
        "files": [
            {"name": "a.png", "extension": ".png", "size": 10},
            {"name": "b.txt", "extension": ".txt", "size": 99},
        ],
    },
    "sys": {"query": "hello"},
}


def _cond(selector, op, value=None, **kw):
    return {"variable_selector": selector, "comparison_operator": op, "value": value, **kw}


def test_and_or_short_circuit_and_template_values() -> None:
    ok, used = evaluate_conditions(
        [_cond(["n", "s"], "is", "{{#sys.query#}}"), _cond(["n", "num"], ">", "1")], "and", POOL
    )
    assert ok and used[0]["expected_value"] == "hello"
    ok, used = evaluate_conditions(
        [_cond(["n", "s"], "is", "x"), _cond(["missing", "x"], "is", "y")], "and", POOL
    )
    assert not ok and len(used) == 1  # short-circuit: the missing variable is never read
    ok, _ = evaluate_conditions(
        [_cond(["n", "num"], "=", "3"), _cond(["missing", "x"], "is", "y")], "or", POOL
    )
    assert ok


def test_missing_variable_and_absent_key_fail_but_explicit_null_matches() -> None:
    with pytest.raises(NodeError, match="not found"):
        evaluate_conditions([_cond(["n", "nope"], "null")], "and", POOL)
    with pytest.raises(NodeError, match="not found"):  # Addendum 6
        evaluate_conditions([_cond(["n", "obj", "absent"], "empty")], "and", POOL)
    assert evaluate_conditions([_cond(["n", "obj", "k"], "null")], "and", POOL)[0]


def test_file_sub_conditions() -> None:
    sub = {
        "logical_operator": "and",
        "conditions": [{"key": "extension", "comparison_operator": "is", "value": "png"}],
    }
    assert evaluate_conditions([_cond(["n", "files"], "contains", sub_variable_condition=sub)], "and", POOL)[
        0
    ]
    sub = {
        "logical_operator": "and",
        "conditions": [{"key": "size", "comparison_operator": ">", "value": "100"}],
    }
    assert not evaluate_conditions(
        [_cond(["n", "files"], "contains", sub_variable_condition=sub)], "and", POOL
    )[0]


def _branching(data: dict[str, Any], handles: list[str]) -> dict[str, Any]:
    nodes = [
        {"id": "start", "data": {"type": "start", "variables": [{"variable": "x", "type": "number"}]}},
        {"id": "if", "data": {"type": "if-else", **data}},
    ]
    edges = [{"source": "start", "target": "if"}]
    for handle in handles:
        nodes.append(
            {
                "id": f"e_{handle}",
                "data": {
                    "type": "end",
                    "outputs": [{"variable": handle, "value_selector": ["if", "selected_case_id"]}],
                },
            }
        )
        edges.append({"source": "if", "sourceHandle": handle, "target": f"e_{handle}"})
    return {"nodes": nodes, "edges": edges}


@pytest.mark.parametrize(("x", "branch"), [(1, "c1"), (5, "c2"), (9, "false")])
def test_if_else_cases_in_order_with_elif(x: int, branch: str) -> None:
    cases = [
        {"case_id": "c1", "logical_operator": "and", "conditions": [_cond(["start", "x"], "<", "3")]},
        {
            "case_id": "c2",
            "logical_operator": "or",
            "conditions": [_cond(["start", "x"], "=", "5"), _cond(["start", "x"], "=", "6")],
        },
    ]
    outcome = run_in_process(parse_graph(_branching({"cases": cases}, ["c1", "c2", "false"])), {"x": x})
    assert outcome.outputs == {branch: branch}


@pytest.mark.parametrize(("x", "branch"), [(7, "true"), (1, "false")])
def test_legacy_single_condition_form(x: int, branch: str) -> None:
    data = {"logical_operator": "and", "conditions": [_cond(["start", "x"], "≥", "7")]}
    outcome = run_in_process(parse_graph(_branching(data, ["true", "false"])), {"x": x})
    assert outcome.outputs == {branch: branch}


def test_if_else_failure_fails_the_run() -> None:
    data = {"cases": [{"case_id": "true", "conditions": [_cond(["start", "x"], "=", "2.0")]}]}
    outcome = run_in_process(parse_graph(_branching(data, ["true", "false"])), {"x": 2})
    assert outcome.status == "failed" and outcome.outputs == {}
