"""Loop-variable constants as Dify reads them from the DSL (dify-dsl.md §3 loop, Addendum 4)."""

from __future__ import annotations

import copy
import json
from typing import Any

from riverflow.engine.errors import NodeError

__all__ = ["loop_constant"]

_JSON_ARRAYS = frozenset({"array[string]", "array[number]", "array[object]"})


def _matches(var_type: str, value: Any) -> bool:
    if var_type in ("number", "integer", "float"):
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if var_type in ("string", "secret"):
        return isinstance(value, str)
    if var_type == "boolean":
        return isinstance(value, bool)
    if var_type == "object":
        return isinstance(value, dict)
    if var_type == "array[string]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if var_type == "array[number]":
        return isinstance(value, list) and all(isinstance(v, (int, float)) for v in value)
    if var_type == "array[object]":
        return isinstance(value, list) and all(isinstance(v, dict) for v in value)
    if var_type == "array[boolean]":
        return isinstance(value, list) and all(isinstance(v, bool) for v in value)
    return True


def loop_constant(var_type: str, raw: Any, label: str) -> Any:
    """The initial value of a constant loop variable.

    String, number, object and boolean constants that do not match their type are parsed as
    JSON (``'1'`` → 1); array[string|number|object] constants are JSON strings, and anything
    else there (a YAML list) becomes ``[]`` as in Dify.
    """
    value = copy.deepcopy(raw)  # the run's copy: never alias the (shared, cached) DSL data
    if var_type in _JSON_ARRAYS:
        if not (raw and isinstance(raw, str)):
            return []
        try:
            value = json.loads(raw)
        except ValueError as exc:
            raise NodeError(f"Invalid value for loop variable {label}", "LoopVariableError") from exc
    if _matches(var_type, value):
        return value
    if isinstance(raw, str):
        try:
            parsed = json.loads(raw)
        except ValueError:
            parsed = None
        if parsed is not None and _matches(var_type, parsed):
            return parsed
    raise NodeError(f"Invalid value for loop variable {label}", "LoopVariableError")
