"""Our ``MetadataFilter`` as a Weaviate filter over the ``m_<name>`` properties the adapter writes."""

from __future__ import annotations

from typing import Any

from riverflow.rag.filters import Condition, MetadataFilter
from weaviate.classes.query import Filter

__all__ = ["PREFIX", "to_weaviate", "property_value"]

#: Metadata lives in properties of its own so it cannot clash with ours (text, document_id...).
PREFIX = "m_"


def property_value(value: Any) -> Any:
    """Numbers become floats: Weaviate fixes a property's type at its first write (int vs number)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    return float(value)


def _condition(c: Condition) -> Any:
    p = Filter.by_property(PREFIX + c.name)
    missing = p.is_none(True)
    v = property_value(c.value)
    match c.op:
        case "eq":
            return p.equal(v)
        case "ne":
            return missing | p.not_equal(v)
        case "gt":
            return p.greater_than(v)
        case "gte":
            return p.greater_or_equal(v)
        case "lt":
            return p.less_than(v)
        case "lte":
            return p.less_or_equal(v)
        case "in":
            return Filter.any_of([p.equal(property_value(x)) for x in c.value])
        case "not_in":
            return missing | Filter.all_of([p.not_equal(property_value(x)) for x in c.value])
        case "contains":
            return p.like(f"*{c.value}*")
        case "not_contains":
            return missing | Filter.not_(p.like(f"*{c.value}*"))
        case "starts_with":
            return p.like(f"{c.value}*")
        case "ends_with":
            return p.like(f"*{c.value}")
        case "empty":
            return missing | p.equal("")
        case _:  # not_empty
            return p.is_none(False) & p.not_equal("")


def to_weaviate(flt: MetadataFilter | None, document_ids: list[str] | None = None) -> Any:
    parts = []
    if flt is not None and flt.conditions:
        conditions = [_condition(c) for c in flt.conditions]
        parts.append(
            Filter.all_of(conditions) if flt.logical_operator == "and" else Filter.any_of(conditions)
        )
    if document_ids is not None:
        parts.append(Filter.by_property("document_id").contains_any(document_ids))
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else Filter.all_of(parts)
