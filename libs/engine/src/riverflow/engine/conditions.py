"""If-else comparison operators (dify-dsl.md §6 and Addendum), with Dify's quirks kept."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from riverflow.engine.errors import NodeError
from riverflow.engine.templates import render_template
from riverflow.engine.variable_pool import MISSING, lookup

__all__ = ["OPERATORS", "compare", "evaluate_conditions"]


def _contains(value: Any, expected: Any) -> bool:
    if not value:
        return False
    if not isinstance(value, (str, list)):
        raise NodeError("Invalid actual value type: string or array")
    # Membership as-is: [10, 20] does not contain '10' (Addendum 1).
    return expected in value


def _not_contains(value: Any, expected: Any) -> bool:
    if not value:
        return True
    if not isinstance(value, (str, list)):
        raise NodeError("Invalid actual value type: string or array")
    return expected not in value


def _start_with(value: Any, expected: Any) -> bool:
    if not value:
        return False
    if not isinstance(value, str):
        raise NodeError("Invalid actual value type: string")
    return value.startswith(str(expected))


def _end_with(value: Any, expected: Any) -> bool:
    if not value:
        return False
    if not isinstance(value, str):
        raise NodeError("Invalid actual value type: string")
    return value.endswith(str(expected))


def _to_bool(expected: Any) -> Any:
    if isinstance(expected, bool):
        return expected
    if isinstance(expected, (int, float)):
        return bool(expected)
    if isinstance(expected, str):
        lowered = expected.strip().lower()
        if lowered in ("true", "1"):
            return True
        if lowered in ("false", "0"):
            return False
    return expected


def _is(value: Any, expected: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, (str, bool)):
        raise NodeError("Invalid actual value type: string or boolean")
    if isinstance(value, bool):
        return value == _to_bool(expected)
    return value == expected


def _is_not(value: Any, expected: Any) -> bool:
    if value is None:
        return False
    if not isinstance(value, (str, bool)):
        raise NodeError("Invalid actual value type: string or boolean")
    if isinstance(value, bool):
        return value != _to_bool(expected)
    return value != expected


def _coerce_number(value: int | float, expected: Any) -> int | float:
    # The right side takes the left side's type: int() for ints, so '2.0' vs an int fails (Addendum 5).
    try:
        return int(expected) if isinstance(value, int) else float(expected)
    except (TypeError, ValueError) as exc:
        raise NodeError(f"Cannot compare {value!r} with {expected!r}") from exc


def _numeric(value: Any, expected: Any, *, allow_bool: bool = False) -> tuple[Any, Any] | None:
    if value is None:
        return None
    if isinstance(value, bool):
        if allow_bool:
            return value, _to_bool(expected)
        raise NodeError("Invalid actual value type: number")
    if not isinstance(value, (int, float)):
        raise NodeError("Invalid actual value type: number" + (" or boolean" if allow_bool else ""))
    return value, _coerce_number(value, expected)


def _eq(value: Any, expected: Any) -> bool:
    pair = _numeric(value, expected, allow_bool=True)
    return pair is not None and pair[0] == pair[1]


def _ne(value: Any, expected: Any) -> bool:
    pair = _numeric(value, expected, allow_bool=True)
    return pair is not None and pair[0] != pair[1]


def _ordering(op: str):
    def check(value: Any, expected: Any) -> bool:
        pair = _numeric(value, expected)
        if pair is None:
            return False
        left, right = pair
        return {">": left > right, "<": left < right, "≥": left >= right, "≤": left <= right}[op]

    return check


def _in(value: Any, expected: Any) -> bool:
    if not value:
        return False
    if not isinstance(expected, (list, str)):
        raise NodeError("Invalid expected value type: array")
    return value in expected


def _not_in(value: Any, expected: Any) -> bool:
    if not value:
        return True
    if not isinstance(expected, (list, str)):
        raise NodeError("Invalid expected value type: array")
    return value not in expected


def _all_of(value: Any, expected: Any) -> bool:
    if not value:
        return False
    if not isinstance(value, (list, str)):
        raise NodeError("Invalid actual value type: string or array")
    items = expected if isinstance(expected, list) else [expected]
    return all(item in value for item in items)


OPERATORS = {
    "contains": _contains,
    "not contains": _not_contains,
    "start with": _start_with,
    "end with": _end_with,
    "is": _is,
    "is not": _is_not,
    "empty": lambda v, _e: not v,
    "not empty": lambda v, _e: bool(v),
    "in": _in,
    "not in": _not_in,
    "all of": _all_of,
    "=": _eq,
    "≠": _ne,
    ">": _ordering(">"),
    "<": _ordering("<"),
    "≥": _ordering("≥"),
    "≤": _ordering("≤"),
    "null": lambda v, _e: v is None,
    "not null": lambda v, _e: v is not None,
    "exists": lambda v, _e: v is not None,
    "not exists": lambda v, _e: v is None,
}
# ASCII spellings seen in some exports / API clients.
OPERATORS.update({"!=": _ne, ">=": OPERATORS["≥"], "<=": OPERATORS["≤"]})


def compare(operator: str, value: Any, expected: Any) -> bool:
    """Apply one comparison operator; raises ``NodeError`` on unsupported types or operators."""
    func = OPERATORS.get(operator)
    if func is None:
        raise NodeError(f"Unsupported operator: {operator}")
    return bool(func(value, expected))


_FILE_ATTRS = {"name": "filename", "extension": "extension", "mime_type": "mime_type", "size": "size"}


def _file_attr(file: Any, key: str) -> Any:
    if not isinstance(file, dict):
        return None
    if key in file:
        return file[key]
    return file.get(_FILE_ATTRS.get(key, key))


def _sub_conditions(files: list[Any], sub: dict[str, Any]) -> bool:
    results = []
    for cond in sub.get("conditions") or []:
        op, expected = cond.get("comparison_operator", ""), cond.get("value")
        if (
            cond.get("key") == "extension"
            and isinstance(expected, str)
            and expected
            and not expected.startswith(".")
        ):
            expected = "." + expected
        per_file = [compare(op, _file_attr(f, cond.get("key", "")), expected) for f in files]
        results.append(all(per_file) if "not" in op else any(per_file))
    return all(results) if sub.get("logical_operator", "and") == "and" else any(results)


def evaluate_conditions(
    conditions: Sequence[dict[str, Any]], logical_operator: str, pool: dict[str, dict[str, Any]]
) -> tuple[bool, list[dict[str, Any]]]:
    """Evaluate conditions with short-circuit and/or; returns the result and the inputs used."""
    used: list[dict[str, Any]] = []
    results: list[bool] = []
    for cond in conditions:
        selector = [str(s) for s in cond.get("variable_selector") or []]
        value = lookup(pool, selector)
        if value is MISSING:
            raise NodeError(f"Variable {'.'.join(selector)} not found", "VariableNotFoundError")
        op = cond.get("comparison_operator", "")
        expected = cond.get("value")
        sub = cond.get("sub_variable_condition")
        if sub and isinstance(value, list) and op in ("contains", "not contains", "all of"):
            result = _sub_conditions(value, sub)  # Dify ignores the outer operator here
        else:
            if isinstance(expected, str):
                expected = render_template(expected, pool)
            if isinstance(value, bool) and expected is not None:
                expected = _to_bool(expected)
            result = compare(op, value, expected)
        used.append({"actual_value": value, "expected_value": expected, "comparison_operator": op})
        results.append(result)
        if (logical_operator == "and" and not result) or (logical_operator == "or" and result):
            return result, used
    final = all(results) if logical_operator == "and" else any(results)
    return final, used
