"""List operator: filter → extract → order → limit (dify-dsl.md §3, Addendum 2)."""

from __future__ import annotations

from typing import Any

import pytest
from riverflow.engine import parse_graph, run_in_process

from .graphs import edge, end, graph, node


def _run(values: Any, **data: Any):
    nodes = [
        node("start", "start", variables=[{"variable": "data", "type": "json_object"}]),
        node("op", "list-operator", variable=["start", "data", "values"], **data),
        end(result=["op", "result"], first=["op", "first_record"], last=["op", "last_record"]),
    ]
    app = parse_graph(graph(nodes, [edge("start", "op"), edge("op", "end")]))
    return run_in_process(app, {"data": {"values": values, "n": 2}})


def _filter(*conditions: dict[str, Any]) -> dict[str, Any]:
    return {"filter_by": {"enabled": True, "conditions": list(conditions)}}


@pytest.mark.parametrize(
    ("values", "data", "expected"),
    [
        (
            ["apple", "banana", "cherry"],
            _filter({"comparison_operator": "contains", "value": "an"}),
            ["banana"],
        ),
        (["apple", "banana"], _filter({"comparison_operator": "start with", "value": "a"}), ["apple"]),
        (["apple", "banana"], _filter({"comparison_operator": "not contains", "value": "pp"}), ["banana"]),
        (["a", "", "b"], _filter({"comparison_operator": "not empty", "value": ""}), ["a", "b"]),
        # Addendum 2: 'in' tests the element as a substring of the one condition string.
        (["app", "pear"], _filter({"comparison_operator": "in", "value": "apple pie"}), ["app"]),
        ([3, 1, 2], _filter({"comparison_operator": "≥", "value": "2"}), [3, 2]),
        ([3, 1, 2], _filter({"comparison_operator": "=", "value": "{{#start.data.n#}}"}), [2]),
        ([True, False, True], _filter({"comparison_operator": "is", "value": True}), [True, True]),
        ([3, 1, 2], {"order_by": {"enabled": True, "value": "asc"}}, [1, 2, 3]),
        (["b", "c", "a"], {"order_by": {"enabled": True, "value": "desc"}}, ["c", "b", "a"]),
        ([5, 6, 7], {"extract_by": {"enabled": True, "serial": "2"}}, [6]),
        ([5, 6, 7], {"limit": {"enabled": True, "size": 2}}, [5, 6]),
        ([], {"limit": {"enabled": True, "size": 2}}, []),
    ],
)
def test_operations(values: list[Any], data: dict[str, Any], expected: list[Any]) -> None:
    outcome = _run(values, **data)
    assert outcome.status == "succeeded", outcome.error
    first = expected[0] if expected else None
    last = expected[-1] if expected else None
    assert outcome.outputs == {"result": expected, "first": first, "last": last}


def test_operations_apply_in_order() -> None:
    data = {
        **_filter({"comparison_operator": ">", "value": "1"}),
        "order_by": {"enabled": True, "value": "desc"},
        "limit": {"enabled": True, "size": 2},
    }
    assert _run([1, 5, 3, 9, 2], **data).outputs["result"] == [9, 5]


def test_file_lists_filter_and_order_by_attribute() -> None:
    files = [
        {
            "dify_model_identity": "__dify__file__",
            "filename": "b.pdf",
            "extension": ".pdf",
            "size": 20,
            "type": "document",
        },
        {
            "dify_model_identity": "__dify__file__",
            "filename": "a.png",
            "extension": ".png",
            "size": 10,
            "type": "image",
        },
        {
            "dify_model_identity": "__dify__file__",
            "filename": "c.pdf",
            "extension": ".pdf",
            "size": 5,
            "type": "document",
        },
    ]
    data = {
        **_filter({"key": "extension", "comparison_operator": "is", "value": ".pdf"}),
        "order_by": {"enabled": True, "key": "size", "value": "asc"},
    }
    assert [f["filename"] for f in _run(files, **data).outputs["result"]] == ["c.pdf", "b.pdf"]
    by_type = _run(files, **_filter({"key": "type", "comparison_operator": "in", "value": ["image"]}))
    assert [f["filename"] for f in by_type.outputs["result"]] == ["a.png"]


@pytest.mark.parametrize(
    ("values", "data", "error"),
    [
        ([1, 2], {"extract_by": {"enabled": True, "serial": "3"}}, "must be <= 2"),
        ([1, 2], {"extract_by": {"enabled": True, "serial": "0"}}, "must be >= 1"),
        ([{"a": 1}], {}, "not an array of strings"),
        ("text", {}, "not an array type"),
        ([1, 2], _filter({"comparison_operator": "contains", "value": "1"}), "Invalid condition"),
    ],
)
def test_errors(values: Any, data: dict[str, Any], error: str) -> None:
    outcome = _run(values, **data)
    assert outcome.status == "failed" and error in (outcome.error or "")
