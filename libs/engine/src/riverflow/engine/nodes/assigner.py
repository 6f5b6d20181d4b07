"""Variable assigner (``assigner``) v1 and v2: writes conversation and loop variables."""

from __future__ import annotations

import json
from typing import Any

from riverflow.engine.errors import NodeError
from riverflow.engine.nodes.base import ExecContext, NodeOutcome
from riverflow.engine.variable_pool import MISSING, lookup

__all__ = ["run_assigner", "zero_value", "value_type_of"]

_NUMBER = frozenset({"number", "integer", "float"})
_ARITHMETIC = {"+=", "-=", "*=", "/="}
_NO_VALUE = frozenset({"clear", "remove-first", "remove-last"})
_ARRAY_ITEM = {
    "array[string]": str,
    "array[number]": (int, float),
    "array[object]": dict,
    "array[boolean]": bool,
}
_SKIP = object()


def value_type_of(value: Any) -> str:
    """The Dify segment type name of a plain value."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        for name, item_type in _ARRAY_ITEM.items():
            if value and all(
                isinstance(v, item_type) and not (name == "array[number]" and isinstance(v, bool))
                for v in value
            ):
                return name
        return "array[any]"
    return "none"


def zero_value(value_type: str) -> Any:
    """What ``clear`` resets a variable of this type to."""
    if value_type.startswith("array"):
        return []
    return {"string": "", "object": {}, "boolean": False, "secret": ""}.get(
        value_type, 0 if value_type in _NUMBER else None
    )


def _supported(value_type: str, operation: str) -> bool:
    if operation in ("over-write", "clear"):
        return True
    if operation == "set":
        return value_type in ("object", "string", "boolean") or value_type in _NUMBER
    if operation in _ARITHMETIC:
        return value_type in _NUMBER
    if operation in ("append", "extend", "remove-first", "remove-last"):
        return value_type.startswith("array")
    return False


def _constant_supported(value_type: str, operation: str) -> bool:
    if value_type in ("string", "object", "boolean"):
        return operation in ("over-write", "set")
    if value_type in _NUMBER:
        return operation in ("over-write", "set") or operation in _ARITHMETIC
    return False


def _valid_list(value: Any, item_type: Any) -> bool:
    return isinstance(value, list) and all(isinstance(v, item_type) for v in value)


def _valid_input(value_type: str, operation: str, value: Any) -> bool:
    if operation in _NO_VALUE:
        return True
    if value_type == "string":
        return isinstance(value, str)
    if value_type == "boolean":
        return isinstance(value, bool)
    if value_type in _NUMBER:
        return isinstance(value, (int, float)) and not (operation == "/=" and value == 0)
    if value_type == "object":
        return isinstance(value, dict)
    item_type = _ARRAY_ITEM.get(value_type, (str, float, int, dict))
    if operation == "append":
        return isinstance(value, item_type)
    if operation in ("extend", "over-write"):
        return _valid_list(value, item_type)
    return False


def _apply(operation: str, current: Any, value: Any, value_type: str) -> Any:
    if operation in ("over-write", "set"):
        return value
    if operation == "clear":
        return zero_value(value_type)
    if operation == "append":
        return [*current, value]
    if operation in ("extend", "+="):
        return current + value
    if operation == "-=":
        return current - value
    if operation == "*=":
        return current * value
    if operation == "/=":
        return current / value
    if operation == "remove-first":
        return current[1:]
    if operation == "remove-last":
        return current[:-1]
    raise NodeError(f"Operation {operation} is not supported", "OperationNotSupportedError")


class _Working:
    """The pool as this node sees it: its own earlier writes first (Addendum 9)."""

    def __init__(self, ctx: ExecContext) -> None:
        self.ctx = ctx
        self.written: dict[tuple[str, ...], Any] = {}

    def get(self, selector: tuple[str, ...]) -> Any:
        return self.written[selector] if selector in self.written else lookup(self.ctx.pool, selector)

    def target(self, selector: tuple[str, ...]) -> tuple[Any, str]:
        declared = self.ctx.var_types.get(".".join(selector[:2])) if len(selector) == 2 else None
        current = self.get(selector)
        if declared is None or current is MISSING:
            raise NodeError(f"Variable {'.'.join(selector)} not found", "VariableNotFoundError")
        return current, declared or value_type_of(current)


def _selector(raw: Any) -> tuple[str, ...]:
    return tuple(str(s) for s in raw) if isinstance(raw, list) else ()


def _run_v2(ctx: ExecContext) -> NodeOutcome:
    work = _Working(ctx)
    order: list[tuple[str, ...]] = []
    for item in ctx.data.get("items") or []:
        selector = _selector(item.get("variable_selector"))
        operation = str(item.get("operation") or "over-write")
        input_type = str(item.get("input_type") or "variable")
        current, value_type = work.target(selector)
        if not _supported(value_type, operation):
            raise NodeError(
                f"Operation {operation} is not supported for type {value_type}", "OperationNotSupportedError"
            )
        if input_type == "variable" and operation in ("set", *_ARITHMETIC):
            raise NodeError(
                f"Input type variable is not supported for operation {operation}",
                "InputTypeNotSupportedError",
            )
        if input_type == "constant" and not _constant_supported(value_type, operation):
            raise NodeError(
                f"Input type constant is not supported for operation {operation}",
                "InputTypeNotSupportedError",
            )
        value = item.get("value")
        if input_type == "variable" and operation not in _NO_VALUE and value is not None:
            source = _selector(value)
            value = work.get(source)
            if value is MISSING:
                raise NodeError(f"Variable {'.'.join(source)} not found", "VariableNotFoundError")
            if value is None:
                continue  # a null source leaves the target as it is (Addendum 9)
        if operation == "set" and value_type == "object" and isinstance(value, str):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise NodeError(f"Invalid input value {value}", "InvalidInputValueError") from exc
        if not _valid_input(value_type, operation, value):
            raise NodeError(f"Invalid input value {value}", "InvalidInputValueError")
        work.written[selector] = _apply(operation, current, value, value_type)
        if selector not in order:
            order.append(selector)
    return _outcome(work, order, {"items": ctx.data.get("items") or []})


def _run_v1(ctx: ExecContext) -> NodeOutcome:
    work = _Working(ctx)
    selector = _selector(ctx.data.get("assigned_variable_selector"))
    current, value_type = work.target(selector)
    mode = str(ctx.data.get("write_mode") or "over-write")
    if mode == "clear":
        value = zero_value(value_type)
    else:
        value = work.get(_selector(ctx.data.get("input_variable_selector")))
        if value is MISSING:
            raise NodeError("input value not found", "VariableOperatorNodeError")
        if mode == "append":
            if not value_type.startswith("array"):
                raise NodeError("append mode requires an array variable", "VariableOperatorNodeError")
            value = [*current, value]
        elif mode != "over-write":
            raise NodeError(f"unknown write mode {mode!r}", "VariableOperatorNodeError")
    work.written[selector] = value
    return _outcome(work, [selector], {"value": value})


def _outcome(work: _Working, order: list[tuple[str, ...]], inputs: dict[str, Any]) -> NodeOutcome:
    updated = [
        {
            "name": selector[-1],
            "selector": list(selector),
            "value_type": work.ctx.var_types.get(".".join(selector)) or value_type_of(work.written[selector]),
            "new_value": work.written[selector],
        }
        for selector in order
    ]
    process_data: dict[str, Any] = {sel[-1]: work.written[sel] for sel in order}
    process_data["updated_variables"] = updated
    return NodeOutcome(
        outputs={},
        inputs=inputs,
        process_data=process_data,
        updates=[(sel, work.written[sel]) for sel in order],
    )


def run_assigner(ctx: ExecContext) -> NodeOutcome:
    """v2 (``version: '2'``): a list of operations; otherwise v1 (one write mode)."""
    if str(ctx.data.get("version") or "1") == "2":
        return _run_v2(ctx)
    return _run_v1(ctx)
