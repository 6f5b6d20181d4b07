"""List operator: filter → extract → order → limit over an array of strings, numbers, booleans or files."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from riverflow.engine.errors import NodeError
from riverflow.engine.nodes.base import ExecContext, NodeOutcome
from riverflow.engine.templates import render_template
from riverflow.engine.variable_pool import MISSING, lookup

__all__ = ["run_list_operator"]

_FILE_STRING_KEYS = {
    "name": "filename",
    "type": "type",
    "extension": "extension",
    "mime_type": "mime_type",
    "transfer_method": "transfer_method",
    "url": "remote_url",
    "related_id": "related_id",
}


def _is_file(value: Any) -> bool:
    return isinstance(value, dict) and value.get("dify_model_identity") == "__dify__file__"


def _kind(values: list[Any]) -> str:
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "number"
    if all(isinstance(v, str) for v in values):
        return "string"
    if all(_is_file(v) for v in values):
        return "file"
    raise NodeError("Variable is not an array of strings, numbers, booleans or files", "ListOperatorError")


def _string_filter(op: str, value: Any) -> Callable[[str], bool]:
    filters: dict[str, Callable[[str], bool]] = {
        "contains": lambda x: value in x,
        "not contains": lambda x: value not in x,
        "start with": lambda x: x.startswith(value),
        "end with": lambda x: x.endswith(value),
        "is": lambda x: x == value,
        "is not": lambda x: x != value,
        # The condition value is one string: membership is a substring test (Addendum 2).
        "in": lambda x: x in value,
        "not in": lambda x: x not in value,
        "empty": lambda x: not x,
        "not empty": bool,
    }
    if op not in filters:
        raise NodeError(f"Invalid condition: {op}", "InvalidConditionError")
    return filters[op]


def _number_filter(op: str, value: float) -> Callable[[float], bool]:
    filters: dict[str, Callable[[float], bool]] = {
        "=": lambda x: x == value,
        "≠": lambda x: x != value,
        "<": lambda x: x < value,
        "≤": lambda x: x <= value,
        ">": lambda x: x > value,
        "≥": lambda x: x >= value,
    }
    if op not in filters:
        raise NodeError(f"Invalid condition: {op}", "InvalidConditionError")
    return filters[op]


def _file_key(key: str) -> Callable[[dict[str, Any]], Any]:
    if key == "size":
        return lambda f: f.get("size") or 0
    if key in _FILE_STRING_KEYS:
        field = _FILE_STRING_KEYS[key]
        return lambda f: str(f.get(field) or f.get(key) or "")
    raise NodeError(f"Invalid key: {key}", "InvalidKeyError")


def _condition_filter(ctx: ExecContext, kind: str, cond: dict[str, Any]) -> Callable[[Any], bool]:
    op = str(cond.get("comparison_operator") or "contains")
    raw = cond.get("value", "")
    if kind == "boolean":
        if not isinstance(raw, bool) or op not in ("is", "is not"):
            raise NodeError(f"Invalid filter value: {raw}", "InvalidFilterValueError")
        return (lambda x: x == raw) if op == "is" else (lambda x: x != raw)
    text = render_template(raw, ctx.pool) if isinstance(raw, str) else raw
    if kind == "string":
        if not isinstance(raw, str):
            raise NodeError(f"Invalid filter value: {raw}", "InvalidFilterValueError")
        return _string_filter(op, text)
    if kind == "number":
        try:
            return _number_filter(op, float(text))
        except (TypeError, ValueError) as exc:
            raise NodeError(f"Invalid filter value: {raw}", "InvalidFilterValueError") from exc
    key = str(cond.get("key") or "")
    extract = _file_key(key)
    if key == "size":
        number = _number_filter(op, float(text))
        return lambda f: number(extract(f))
    if key in ("type", "transfer_method"):
        if op not in ("in", "not in"):
            raise NodeError(f"Invalid condition: {op}", "InvalidConditionError")
        return (lambda f: extract(f) in text) if op == "in" else (lambda f: extract(f) not in text)
    string = _string_filter(op, text)
    return lambda f: string(extract(f))


def _serial(ctx: ExecContext, values: list[Any]) -> list[Any]:
    raw = str(ctx.data.get("extract_by", {}).get("serial") or "1")
    try:
        index = int(render_template(raw, ctx.pool))
    except ValueError as exc:
        raise NodeError(f"Invalid serial index: {raw}", "InvalidKeyError") from exc
    if index < 1:
        raise NodeError(f"Invalid serial index: must be >= 1, got {index}", "InvalidKeyError")
    if index > len(values):
        raise NodeError(f"Invalid serial index: must be <= {len(values)}, got {index}", "InvalidKeyError")
    return [values[index - 1]]


def run_list_operator(ctx: ExecContext) -> NodeOutcome:
    """Outputs ``result``, ``first_record``, ``last_record`` (null when the result is empty)."""
    selector = [str(s) for s in ctx.data.get("variable") or []]
    value = lookup(ctx.pool, selector)
    if value is MISSING:
        raise NodeError(f"Variable not found for selector: {selector}", "VariableNotFoundError")
    if not value:
        return NodeOutcome(
            outputs={"result": [], "first_record": None, "last_record": None}, inputs={"variable": []}
        )
    if not isinstance(value, list):
        raise NodeError(f"Variable {selector} is not an array type", "ListOperatorError")
    kind = _kind(value)
    result = list(value)
    filter_by = ctx.data.get("filter_by") or {}
    if filter_by.get("enabled"):
        for cond in filter_by.get("conditions") or []:
            check = _condition_filter(ctx, kind, cond)
            result = [v for v in result if check(v)]
    if (ctx.data.get("extract_by") or {}).get("enabled"):
        result = _serial(ctx, result)
    order_by = ctx.data.get("order_by") or {}
    if order_by.get("enabled"):
        descending = order_by.get("value") == "desc"
        key = _file_key(str(order_by.get("key") or "")) if kind == "file" else None
        result = sorted(result, key=key, reverse=descending)
    limit = ctx.data.get("limit") or {}
    if limit.get("enabled"):
        result = result[: int(limit.get("size", -1))]  # Dify slices as given (-1 drops the last item)
    outputs = {
        "result": result,
        "first_record": result[0] if result else None,
        "last_record": result[-1] if result else None,
    }
    return NodeOutcome(outputs=outputs, inputs={"variable": value}, process_data={"variable": value})
