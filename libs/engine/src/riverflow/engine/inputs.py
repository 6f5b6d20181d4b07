"""Start-node input validation and normalisation (Dify's app-layer rules, Addendum item 10)."""

from __future__ import annotations

from typing import Any

from riverflow.engine.dsl.models import AppDefinition
from riverflow.engine.errors import InputError

__all__ = ["validate_inputs", "normalize_inputs"]

_TEXT_TYPES = frozenset({"text-input", "paragraph", "select"})


def validate_inputs(app: AppDefinition, inputs: dict[str, Any] | None) -> dict[str, Any]:
    """Return the inputs the start node will see, or raise ``InputError`` (HTTP 400).

    Only declared variables are kept; a missing optional value takes its ``default`` (else
    None); numbers given as strings become numbers.
    """
    return normalize_inputs(app.start_variables(), inputs or {})


def normalize_inputs(variables: list[dict[str, Any]], inputs: dict[str, Any]) -> dict[str, Any]:
    """``validate_inputs`` on raw start-variable declarations."""
    result: dict[str, Any] = {}
    for decl in variables:
        name = str(decl["variable"])
        label = decl.get("label") or name
        var_type = decl.get("type") or "text-input"
        value = inputs.get(name)
        if value is None or (value == "" and var_type not in _TEXT_TYPES):
            if decl.get("required"):
                raise InputError(f"{label} is required in input form", name)
            default = decl.get("default")
            result[name] = None if default == "" and var_type not in _TEXT_TYPES else default
            if result[name] is not None:
                result[name] = _check(name, decl, var_type, result[name])
            continue
        if value == "" and decl.get("required"):
            raise InputError(f"{label} is required in input form", name)
        result[name] = _check(name, decl, var_type, value)
    return result


def _check(name: str, decl: dict[str, Any], var_type: str, value: Any) -> Any:
    if var_type in _TEXT_TYPES:
        if not isinstance(value, str):
            raise InputError(f"{name} in input form must be a string", name)
        max_length = decl.get("max_length")
        if (
            var_type != "select"
            and isinstance(max_length, int)
            and max_length > 0
            and len(value) > max_length
        ):
            raise InputError(f"{name} in input form must be less than {max_length} characters", name)
        options = decl.get("options") or []
        if var_type == "select" and value not in options:
            raise InputError(f"{name} in input form must be one of the following: {options}", name)
        return value
    if var_type == "number":
        return _number(name, value)
    if var_type == "checkbox":
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        raise InputError(f"{name} in input form must be a boolean", name)
    if var_type == "json_object":
        if not isinstance(value, dict):
            raise InputError(f"{name} in input form must be a JSON object", name)
        return value
    if var_type == "file":
        if not isinstance(value, dict):
            raise InputError(f"{name} in input form must be a file", name)
        return value
    if var_type == "file-list":
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise InputError(f"{name} in input form must be a list of files", name)
        return value
    return value


def _number(name: str, value: Any) -> int | float:
    if isinstance(value, bool):
        raise InputError(f"{name} in input form must be a valid number", name)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            pass
        try:
            return float(text)
        except ValueError:
            pass
    raise InputError(f"{name} in input form must be a valid number", name)
