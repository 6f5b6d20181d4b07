"""Dify's code-node output checks: types, limits, depth, precision, and Dify's exact messages."""

from __future__ import annotations

from typing import Any

import pytest
from riverflow.orchestrator.tasks.code_outputs import (
    CodeNodeError,
    DepthLimitError,
    OutputLimits,
    OutputValidationError,
    check_outputs,
)

LIMITS = OutputLimits()


def _schema(**types: str) -> dict[str, Any]:
    return {name: {"type": kind, "children": None} for name, kind in types.items()}


def test_every_declared_type_passes_through() -> None:
    result = {
        "s": "text",
        "n": 2.5,
        "i": 7,
        "b": True,
        "o": {"k": [1, 2], "m": {"deep": None}},
        "as": ["a", "b"],
        "an": [1, 2.5],
        "ao": [{"x": 1}, None],
        "ab": [True, False],
    }
    schema = _schema(
        s="string",
        n="number",
        i="number",
        b="boolean",
        o="object",
        **{"as": "array[string]", "an": "array[number]", "ao": "array[object]", "ab": "array[boolean]"},
    )
    assert check_outputs(result, schema, LIMITS) == result


def test_null_is_accepted_for_every_type() -> None:
    kinds = ["string", "number", "boolean", "object", "array[string]", "array[number]", "array[object]"]
    schema = {f"v{i}": {"type": kind} for i, kind in enumerate(kinds)}
    result = {name: None for name in schema}
    assert check_outputs(result, schema, LIMITS) == result


def test_booleans_declared_as_numbers_become_integers() -> None:
    out = check_outputs({"n": True, "a": [False, 2]}, _schema(n="number", a="array[number]"), LIMITS)
    assert out == {"n": 1, "a": [0, 2]}
    assert type(out["n"]) is int


def test_nul_characters_are_removed_from_strings() -> None:
    assert check_outputs({"s": "a\x00b"}, _schema(s="string"), LIMITS) == {"s": "ab"}


@pytest.mark.parametrize(
    ("result", "schema", "message"),
    [
        ({"n": "1"}, _schema(n="number"), "Output n is not a number, got <class 'str'> instead."),
        ({"s": 1}, _schema(s="string"), "Output s must be a string, got int instead"),
        ({"b": 1}, _schema(b="boolean"), "Output variable `b` must be a boolean"),
        ({"o": [1]}, _schema(o="object"), "Output o is not an object, got <class 'list'> instead."),
        ({"a": "x"}, _schema(a="array[string]"), "Output a is not an array, got <class 'str'> instead."),
        ({}, _schema(x="string"), "Output x is missing."),
        (
            {"a": [1, "2"]},
            _schema(a="array[number]"),
            "The element at index 1 of output variable `a` must be a number.",
        ),
        ({"a": ["x", 2]}, _schema(a="array[string]"), "Output variable `a[1]` must be a string"),
        ({"a": [{"x": 1}, 2]}, _schema(a="array[object]"), "Output a[1] is not an object, got <class 'int'>"),
        ({"a": [True, 1]}, _schema(a="array[boolean]"), "Output a[1] is not a boolean, got <class 'int'>"),
        ({"f": 1}, _schema(f="file"), "Output type file is not supported."),
    ],
)
def test_type_mismatches_fail_with_difys_messages(result: dict, schema: dict, message: str) -> None:
    with pytest.raises(OutputValidationError) as caught:
        check_outputs(result, schema, LIMITS)
    assert str(caught.value).startswith(message)


def test_undeclared_outputs_fail() -> None:
    with pytest.raises(CodeNodeError, match="Not all output parameters are validated."):
        check_outputs({"a": "x", "extra": 1}, _schema(a="string"), LIMITS)


def test_nested_children_are_checked_with_dotted_paths() -> None:
    schema = {"o": {"type": "object", "children": {"inner": {"type": "number"}}}}
    assert check_outputs({"o": {"inner": 3}}, schema, LIMITS) == {"o": {"inner": 3}}
    with pytest.raises(OutputValidationError, match=r"Output \.o\.inner is not a number"):
        check_outputs({"o": {"inner": "3"}}, schema, LIMITS)


def test_string_length_limit() -> None:
    check_outputs({"s": "x" * 400_000}, _schema(s="string"), LIMITS)
    with pytest.raises(OutputValidationError) as caught:
        check_outputs({"s": "x" * 400_001}, _schema(s="string"), LIMITS)
    assert str(caught.value) == "The length of output variable `s` must be less than 400000 characters"


@pytest.mark.parametrize(
    ("kind", "item", "limit"),
    [("array[string]", "s", 30), ("array[object]", {}, 30), ("array[number]", 1, 1000)],
)
def test_array_length_limits(kind: str, item: Any, limit: int) -> None:
    check_outputs({"a": [item] * limit}, _schema(a=kind), LIMITS)
    with pytest.raises(OutputValidationError) as caught:
        check_outputs({"a": [item] * (limit + 1)}, _schema(a=kind), LIMITS)
    assert str(caught.value) == f"The length of output variable `a` must be less than {limit} elements."


def test_number_range_and_precision() -> None:
    check_outputs({"n": 2**63 - 1, "f": 0.1}, _schema(n="number", f="number"), LIMITS)
    with pytest.raises(OutputValidationError, match="is out of range, it must be between"):
        check_outputs({"n": 2**63}, _schema(n="number"), LIMITS)
    with pytest.raises(OutputValidationError, match="has too high precision, it must be less than 20 digits"):
        check_outputs({"n": 1e-25}, _schema(n="number"), LIMITS)


def test_depth_limit() -> None:
    nested: dict[str, Any] = {"v": 1}
    for _ in range(5):
        nested = {"o": nested}
    with pytest.raises(DepthLimitError, match="Depth limit 5 reached, object too deep."):
        check_outputs({"top": nested}, {"top": {"type": "object"}}, LIMITS)
    shallow = {"o": {"o": {"v": 1}}}
    assert check_outputs({"top": shallow}, {"top": {"type": "object"}}, LIMITS) == {"top": shallow}


def test_without_declaration_values_are_checked_by_their_own_type() -> None:
    result = {"a": [1, 2], "s": "x", "o": {"k": ["a"]}, "n": None}
    assert check_outputs(result, None, LIMITS) == result
    with pytest.raises(OutputValidationError, match="make sure all elements are of the same type"):
        check_outputs({"a": [1, "x"]}, None, LIMITS)
    with pytest.raises(OutputValidationError, match="must be less than 400000 characters"):
        check_outputs({"s": "x" * 400_001}, None, LIMITS)


def test_limits_are_configurable() -> None:
    small = OutputLimits(max_string_length=3, max_depth=2)
    with pytest.raises(OutputValidationError, match="less than 3 characters"):
        check_outputs({"s": "abcd"}, _schema(s="string"), small)
    with pytest.raises(DepthLimitError, match="Depth limit 2"):
        check_outputs({"o": {"p": {"q": 1}}}, None, small)
