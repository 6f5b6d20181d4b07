"""Variable assigner v1 / v2 and conversation variables (dify-dsl.md §3 assigner, Addendum 9)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from riverflow.engine import parse_app, run_in_process

from .graphs import edge, node

_TYPES = {
    "s": "string",
    "n": "number",
    "o": "object",
    "b": "boolean",
    "a": "array[string]",
    "an": "array[number]",
}
_DEFAULTS = {"s": "x", "n": 10, "o": {"k": 1}, "b": False, "a": ["p"], "an": [1, 2]}


def _chatflow(assigner: dict[str, Any], answer: str = "{{#conversation.s#}}") -> str:
    conversation = [
        {
            "id": name,
            "name": name,
            "value_type": kind,
            "value": _DEFAULTS[name],
            "selector": ["conversation", name],
        }
        for name, kind in _TYPES.items()
    ]
    doc = {
        "version": "0.3.1",
        "kind": "app",
        "app": {"name": "a", "mode": "advanced-chat"},
        "workflow": {
            "conversation_variables": conversation,
            "graph": {
                "nodes": [
                    node("start", "start", variables=[{"variable": "q", "type": "text-input"}]),
                    node("set", "assigner", **assigner),
                    node("answer", "answer", answer=answer),
                ],
                "edges": [edge("start", "set"), edge("set", "answer")],
            },
        },
    }
    return json.dumps(doc)


def _v2(*items: dict[str, Any]) -> dict[str, Any]:
    return {"version": "2", "items": list(items)}


def _item(target: str, operation: str, value: Any, input_type: str = "constant") -> dict[str, Any]:
    return {
        "variable_selector": ["conversation", target],
        "operation": operation,
        "input_type": input_type,
        "value": value,
    }


def _run(assigner: dict[str, Any], query: str = "hello", **kw: Any):
    return run_in_process(parse_app(_chatflow(assigner, **kw)), {"q": "in"}, system={"query": query})


@pytest.mark.parametrize(
    ("item", "name", "expected"),
    [
        (_item("s", "over-write", ["sys", "query"], "variable"), "s", "hello"),
        (_item("s", "set", "y"), "s", "y"),
        (_item("s", "clear", None, "variable"), "s", ""),
        (_item("n", "+=", 5), "n", 15),
        (_item("n", "-=", 2.5), "n", 7.5),
        (_item("n", "*=", 3), "n", 30),
        (_item("n", "/=", 4), "n", 2.5),
        (_item("n", "clear", None, "variable"), "n", 0),
        (_item("o", "set", '{"z": 2}'), "o", {"z": 2}),
        (_item("b", "set", True), "b", True),
        (_item("a", "append", ["sys", "query"], "variable"), "a", ["p", "hello"]),
        (_item("a", "extend", ["conversation", "a"], "variable"), "a", ["p", "p"]),
        (_item("an", "remove-first", None, "variable"), "an", [2]),
        (_item("an", "remove-last", None, "variable"), "an", [1]),
        (_item("an", "clear", None, "variable"), "an", []),
    ],
)
def test_v2_operations(item: dict[str, Any], name: str, expected: Any) -> None:
    outcome = _run(_v2(item))
    assert outcome.status == "succeeded", outcome.error
    assert outcome.state is not None and outcome.state.conversation_variables[name] == expected
    finished = outcome.events[-1].data
    assert finished["conversation_variables"][name] == expected


@pytest.mark.parametrize(
    ("item", "error"),
    [
        (_item("n", "/=", 0), "Invalid input value"),
        (_item("s", "+=", 1), "not supported for type string"),
        (_item("n", "+=", ["sys", "query"], "variable"), "Input type variable is not supported"),
        (_item("a", "append", "x"), "Input type constant is not supported"),
        (_item("n", "set", "seven"), "Invalid input value"),
        (_item("missing", "set", "x"), "conversation.missing not found"),
        (_item("s", "over-write", ["nope", "x"], "variable"), "nope.x not found"),
    ],
)
def test_v2_rules(item: dict[str, Any], error: str) -> None:
    outcome = _run(_v2(item))
    assert outcome.status == "failed" and error in (outcome.error or ""), outcome.error


def test_v2_null_source_is_skipped_and_later_items_see_earlier_writes() -> None:
    # Addendum 9.
    assigner = {
        "version": "2",
        "items": [
            _item("s", "over-write", ["start", "absent_but_null"], "variable"),
            _item("s", "set", "first"),
            _item("a", "append", ["conversation", "s"], "variable"),
        ],
    }
    doc = _chatflow(assigner).replace(
        '"variables": [{"variable": "q", "type": "text-input"}]',
        '"variables": [{"variable": "absent_but_null", "type": "text-input"}]',
    )
    outcome = run_in_process(parse_app(doc), {}, system={"query": "q"})
    assert outcome.status == "succeeded", outcome.error
    assert outcome.state.conversation_variables["a"] == ["p", "first"]
    done = next(e for e in outcome.events if e.event == "node_finished" and e.data["node_id"] == "set")
    assert [u["name"] for u in done.data["process_data"]["updated_variables"]] == ["s", "a"]


@pytest.mark.parametrize(("mode", "expected"), [("over-write", "hello"), ("clear", "")])
def test_v1_write_modes(mode: str, expected: str) -> None:
    assigner = {
        "assigned_variable_selector": ["conversation", "s"],
        "write_mode": mode,
        "input_variable_selector": ["sys", "query"],
    }
    outcome = _run(assigner)
    assert outcome.status == "succeeded" and outcome.state.conversation_variables["s"] == expected


def test_v1_append_needs_an_array() -> None:
    ok = _run(
        {
            "assigned_variable_selector": ["conversation", "a"],
            "write_mode": "append",
            "input_variable_selector": ["sys", "query"],
        }
    )
    assert ok.state.conversation_variables["a"] == ["p", "hello"]
    bad = _run(
        {
            "assigned_variable_selector": ["conversation", "s"],
            "write_mode": "append",
            "input_variable_selector": ["sys", "query"],
        }
    )
    assert bad.status == "failed" and "requires an array" in (bad.error or "")


def test_answer_streams_the_assigned_value_not_the_default() -> None:
    outcome = _run(_v2(_item("s", "over-write", ["sys", "query"], "variable")), query="new value")
    assert outcome.answer == "new value" and outcome.chunks == ["new value"]
    names = [(e.event, e.data.get("node_id")) for e in outcome.events]
    # The chunk is emitted when the assigner finishes (before its finished event), as in Dify.
    assert names.index(("message", None)) < names.index(("node_finished", "set"))
    chunk = next(e for e in outcome.events if e.event == "message")
    assert chunk.data["from_variable_selector"] == ["conversation", "s"]


def test_initial_values_come_from_the_conversation_and_unknown_ones_are_dropped() -> None:
    app = parse_app(_chatflow(_v2(_item("n", "+=", 1)), answer="{{#conversation.n#}}"))
    outcome = run_in_process(app, {}, system={"query": "q"}, conversation_variables={"n": 41, "gone": 1})
    assert outcome.answer == "42"
    assert outcome.state.conversation_variables == {**_DEFAULTS, "n": 42}
