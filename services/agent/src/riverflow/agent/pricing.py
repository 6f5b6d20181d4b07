"""Dify's ``usage`` dict (12 keys, prices as decimal strings) from token counts and per-token prices."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from riverflow.agent.ports import ModelResponse

__all__ = [
    "PRICE_UNIT",
    "CURRENCY",
    "usage_dict",
    "empty_usage",
    "response_usage",
    "merge_usage",
    "usage_metadata",
]

#: Prices are quoted per token; Dify splits them as unit price x price unit (per million here).
PRICE_UNIT = Decimal("0.000001")
CURRENCY = "USD"
_QUANT = Decimal("0.0000001")


def _unit_price(per_token: float) -> Decimal:
    return (Decimal(repr(per_token)) / PRICE_UNIT).normalize()


def _fmt(value: Decimal) -> str:
    return format(value, "f")


def usage_dict(
    prompt_tokens: int, completion_tokens: int, price: tuple[float, float], latency: float
) -> dict[str, Any]:
    """Usage exactly as Dify's ``LLMUsage``: all 12 keys, prices quantized to 7 decimals."""
    prompt_unit, completion_unit = _unit_price(price[0]), _unit_price(price[1])
    prompt_price = (Decimal(prompt_tokens) * prompt_unit * PRICE_UNIT).quantize(_QUANT)
    completion_price = (Decimal(completion_tokens) * completion_unit * PRICE_UNIT).quantize(_QUANT)
    return {
        "prompt_tokens": prompt_tokens,
        "prompt_unit_price": _fmt(prompt_unit),
        "prompt_price_unit": _fmt(PRICE_UNIT),
        "prompt_price": _fmt(prompt_price),
        "completion_tokens": completion_tokens,
        "completion_unit_price": _fmt(completion_unit),
        "completion_price_unit": _fmt(PRICE_UNIT),
        "completion_price": _fmt(completion_price),
        "total_tokens": prompt_tokens + completion_tokens,
        "total_price": _fmt(prompt_price + completion_price),
        "currency": CURRENCY,
        "latency": round(latency, 3),
    }


def empty_usage() -> dict[str, Any]:
    return usage_dict(0, 0, (0.0, 0.0), 0.0)


def response_usage(response: ModelResponse) -> dict[str, Any]:
    return usage_dict(response.prompt_tokens, response.completion_tokens, response.price, response.latency)


def merge_usage(usages: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The sum of several calls' usage (agents, retries on fallbacks); unit prices of the last call."""
    items = list(usages)
    if not items:
        return empty_usage()
    merged = dict(items[-1])
    for key in ("prompt_tokens", "completion_tokens", "total_tokens"):
        merged[key] = sum(int(u[key]) for u in items)
    for key in ("prompt_price", "completion_price", "total_price"):
        merged[key] = _fmt(sum((Decimal(u[key]) for u in items), Decimal(0)).quantize(_QUANT))
    merged["latency"] = round(sum(float(u["latency"]) for u in items), 3)
    return merged


def usage_metadata(usage: dict[str, Any]) -> dict[str, Any]:
    """The node's ``execution_metadata`` part Dify derives from usage."""
    return {
        "total_tokens": usage["total_tokens"],
        "total_price": usage["total_price"],
        "currency": usage["currency"],
        "usage": usage,
    }
