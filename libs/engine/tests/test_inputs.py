"""Start-node input validation (validate_inputs) and its use inside runs."""

from __future__ import annotations

from typing import Any

import pytest
from riverflow.engine import InputError, parse_graph, run_in_process, validate_inputs

VARIABLES = [
    {"variable": "name", "type": "text-input", "required": True, "max_length": 5},
    {"variable": "age", "type": "number", "required": False, "default": 7},
    {"variable": "color", "type": "select", "options": ["red", "blue"], "required": False},
    {"variable": "ok", "type": "checkbox", "required": False},
    {"variable": "cfg", "type": "json_object", "required": False},
]
APP = parse_graph(
    {
        "nodes": [
            {"id": "s", "data": {"type": "start", "variables": VARIABLES}},
            {
                "id": "e",
                "data": {"type": "end", "outputs": [{"variable": "age", "value_selector": ["s", "age"]}]},
            },
        ],
        "edges": [{"source": "s", "target": "e"}],
    }
)


def test_normalisation() -> None:
    got = validate_inputs(APP, {"name": "bob", "age": "12", "extra": 1})
    assert got == {"name": "bob", "age": 12, "color": None, "ok": None, "cfg": None}
    assert validate_inputs(APP, {"name": "bob"})["age"] == 7
    assert validate_inputs(APP, {"name": "bob", "age": "1.5"})["age"] == 1.5


@pytest.mark.parametrize(
    "inputs",
    [
        {"name": "bob", "age": "12", "extra": 1},
        {"name": "bob", "ok": "true", "color": "red", "cfg": {"a": 1}},
        {"name": "bob", "age": "", "ok": 0, "color": None},
        {"name": "bob", "age": " 2.5 "},
    ],
)
def test_validated_inputs_validate_to_themselves(inputs: dict[str, Any]) -> None:
    """The gateway validates, then the orchestrator validates what it was sent: the same values
    (the run's first event, built by both, relies on it)."""
    once = validate_inputs(APP, inputs)
    assert validate_inputs(APP, once) == once


@pytest.mark.parametrize(
    ("inputs", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "toolong"}, "name"),
        ({"name": 5}, "name"),
        ({"name": "a", "age": "x"}, "age"),
        ({"name": "a", "age": True}, "age"),
        ({"name": "a", "color": "green"}, "color"),
        ({"name": "a", "ok": "maybe"}, "ok"),
        ({"name": "a", "cfg": [1]}, "cfg"),
    ],
)
def test_invalid_inputs(inputs: dict[str, Any], field: str) -> None:
    with pytest.raises(InputError) as err:
        validate_inputs(APP, inputs)
    assert err.value.field == field and err.value.code == "invalid_param"


def test_run_uses_normalised_inputs() -> None:
    outcome = run_in_process(APP, {"name": "bob", "age": "41"})
    assert outcome.outputs == {"age": 41}
    started = outcome.events[0]
    assert started.event == "workflow_started" and started.data["inputs"]["age"] == 41
