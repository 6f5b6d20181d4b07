"""Model usage as Dify reports it (12 keys, prices as decimal strings), summed over a run's nodes."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

__all__ = ["USAGE_KEYS", "empty_usage", "add_usage", "node_usage"]

_INTS = ("prompt_tokens", "completion_tokens", "total_tokens")
_SUMMED_PRICES = ("prompt_price", "completion_price", "total_price")
_UNIT_PRICES = ("prompt_unit_price", "prompt_price_unit", "completion_unit_price", "completion_price_unit")
USAGE_KEYS = (*_INTS, *_SUMMED_PRICES, *_UNIT_PRICES, "currency", "latency")


def empty_usage() -> dict[str, Any]:
    """Dify's ``LLMUsage.empty_usage()``, serialized."""
    usage: dict[str, Any] = {key: 0 for key in _INTS}
    usage.update({key: "0" for key in (*_SUMMED_PRICES, *_UNIT_PRICES)})
    usage.update({"currency": "USD", "latency": 0.0})
    return usage


def _decimal(value: Any) -> Decimal:
    try:
        return Decimal(str(value)) if value not in (None, "") else Decimal(0)
    except InvalidOperation:
        return Decimal(0)


def _int(value: Any) -> int:
    try:
        return int(value or 0)
    except (TypeError, ValueError):
        return 0


def add_usage(total: dict[str, Any], usage: dict[str, Any]) -> dict[str, Any]:
    """``total + usage`` as Dify's ``LLMUsage.plus``: tokens, prices and latency add up; unit prices
    and currency are the latest node's."""
    result = dict(total)
    for key in _INTS:
        result[key] = _int(total.get(key)) + _int(usage.get(key))
    if not usage.get("total_tokens"):
        result["total_tokens"] = (
            _int(total.get("total_tokens"))
            + _int(usage.get("prompt_tokens"))
            + _int(usage.get("completion_tokens"))
        )
    for key in _SUMMED_PRICES:
        # Fixed-point: Dify's clients parse "0.0000000", not Decimal's scientific "0E-7".
        result[key] = format(_decimal(total.get(key)) + _decimal(usage.get(key)), "f")
    for key in _UNIT_PRICES:
        if usage.get(key) not in (None, ""):
            result[key] = str(usage[key])
    if usage.get("currency"):
        result["currency"] = str(usage["currency"])
    result["latency"] = round(float(total.get("latency") or 0.0) + float(usage.get("latency") or 0.0), 6)
    return result


def node_usage(node_finished: dict[str, Any]) -> dict[str, Any] | None:
    """The model usage a ``node_finished`` event's data reports, if any.

    Looked up in ``execution_metadata.usage`` (the agent service's results), then ``outputs.usage``
    (Dify's LLM node output); a bare ``execution_metadata.total_tokens`` counts as well.
    """
    metadata = node_finished.get("execution_metadata") or {}
    for candidate in (metadata.get("usage"), (node_finished.get("outputs") or {}).get("usage")):
        if isinstance(candidate, dict) and candidate:
            return candidate
    if metadata.get("total_tokens"):
        return {
            "total_tokens": metadata.get("total_tokens"),
            "total_price": metadata.get("total_price"),
            "currency": metadata.get("currency"),
        }
    return None
