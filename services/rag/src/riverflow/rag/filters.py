"""Metadata filters: Dify's comparison operators, normalised once, evaluated alike by every store."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["Operator", "Condition", "MetadataFilter", "from_dify", "DIFY_OPERATORS"]

Operator = Literal[
    "eq",
    "ne",
    "gt",
    "gte",
    "lt",
    "lte",
    "contains",
    "not_contains",
    "starts_with",
    "ends_with",
    "in",
    "not_in",
    "empty",
    "not_empty",
]

#: Dify's operator spellings (knowledge-retrieval node, retrieve API) -> ours. Dates compare as
#: Unix timestamps, so ``before``/``after`` are ``lt``/``gt``.
DIFY_OPERATORS: dict[str, Operator] = {
    "is": "eq",
    "=": "eq",
    "is not": "ne",
    "≠": "ne",
    "!=": "ne",
    ">": "gt",
    "≥": "gte",
    ">=": "gte",
    "<": "lt",
    "≤": "lte",
    "<=": "lte",
    "after": "gt",
    "before": "lt",
    "contains": "contains",
    "not contains": "not_contains",
    "start with": "starts_with",
    "end with": "ends_with",
    "in": "in",
    "not in": "not_in",
    "empty": "empty",
    "not empty": "not_empty",
}

#: Metadata names become JSON paths and Weaviate property names: keep them plain.
_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
_ORDERED = {"gt", "gte", "lt", "lte"}


@dataclass(frozen=True)
class Condition:
    name: str
    op: Operator
    value: Any = None

    def __post_init__(self) -> None:
        if not _NAME.match(self.name):
            raise ValueError(f"invalid metadata name {self.name!r}: use letters, digits and _")
        if self.op in ("in", "not_in") and not isinstance(self.value, list | tuple):
            raise ValueError(f"operator {self.op!r} on {self.name!r} needs a list value")
        if self.op in _ORDERED and not _is_number(self.value):
            raise ValueError(f"operator {self.op!r} on {self.name!r} needs a number (dates as Unix seconds)")

    def matches(self, metadata: Mapping[str, Any]) -> bool:
        present = self.name in metadata and metadata[self.name] is not None
        actual = metadata.get(self.name)
        op, value = self.op, self.value
        if op == "empty":
            return not present or actual == ""
        if op == "not_empty":
            return present and actual != ""
        if not present:
            return op in ("ne", "not_contains", "not_in")
        if op == "eq":
            return _same(actual, value)
        if op == "ne":
            return not _same(actual, value)
        if op in _ORDERED:
            if not _is_number(actual):
                return False
            a, b = float(actual), float(value)
            return {"gt": a > b, "gte": a >= b, "lt": a < b, "lte": a <= b}[op]
        if op == "in":
            return any(_same(actual, v) for v in value)
        if op == "not_in":
            return not any(_same(actual, v) for v in value)
        text, needle = str(actual), str(value)
        if op == "contains":
            return needle in text
        if op == "not_contains":
            return needle not in text
        if op == "starts_with":
            return text.startswith(needle)
        return text.endswith(needle)


@dataclass(frozen=True)
class MetadataFilter:
    conditions: tuple[Condition, ...]
    logical_operator: Literal["and", "or"] = "and"

    def matches(self, metadata: Mapping[str, Any]) -> bool:
        results = (c.matches(metadata) for c in self.conditions)
        return all(results) if self.logical_operator == "and" else any(results)


def from_dify(logical_operator: str, conditions: Sequence[Mapping[str, Any]]) -> MetadataFilter | None:
    """Build a filter from Dify's ``metadata_filtering_conditions``; ``None`` when there are no conditions."""
    if not conditions:
        return None
    logical = (logical_operator or "and").lower()
    if logical not in ("and", "or"):
        raise ValueError(f"logical_operator must be 'and' or 'or', not {logical_operator!r}")
    built = []
    for raw in conditions:
        spelled = str(raw.get("comparison_operator", "")).strip()
        op = DIFY_OPERATORS.get(spelled)
        if op is None:
            raise ValueError(f"unknown comparison_operator {spelled!r}")
        value = raw.get("value")
        if op in _ORDERED and isinstance(value, str):
            try:
                value = float(value)
            except ValueError:
                raise ValueError(f"operator {spelled!r} needs a number, got {value!r}") from None
        built.append(Condition(str(raw.get("name", "")), op, value))
    return MetadataFilter(tuple(built), logical)  # type: ignore[arg-type]


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _same(actual: Any, value: Any) -> bool:
    if _is_number(actual) and _is_number(value):
        return float(actual) == float(value)
    return actual == value
