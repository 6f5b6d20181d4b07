"""Dify's usage dict: 12 keys, decimal-string prices, sums over several calls."""

from __future__ import annotations

from decimal import Decimal

from riverflow.agent.pricing import empty_usage, merge_usage, usage_dict, usage_metadata

KEYS = {
    "prompt_tokens", "prompt_unit_price", "prompt_price_unit", "prompt_price", "completion_tokens",
    "completion_unit_price", "completion_price_unit", "completion_price", "total_tokens", "total_price",
    "currency", "latency",
}  # fmt: skip


def test_usage_has_dify_keys_and_decimal_string_prices() -> None:
    usage = usage_dict(1000, 500, (1.5e-07, 6e-07), 1.23456)
    assert set(usage) == KEYS
    assert usage["prompt_unit_price"] == "0.15" and usage["prompt_price_unit"] == "0.000001"
    assert usage["prompt_price"] == "0.0001500" and usage["completion_price"] == "0.0003000"
    assert usage["total_price"] == "0.0004500" and usage["total_tokens"] == 1500
    assert usage["currency"] == "USD" and usage["latency"] == 1.235
    # Dify's arithmetic: tokens x unit price x price unit.
    assert Decimal(usage["prompt_price"]) == 1000 * Decimal(usage["prompt_unit_price"]) * Decimal("0.000001")


def test_free_and_empty_usage() -> None:
    assert usage_dict(3, 4, (0.0, 0.0), 0)["total_price"] == "0.0000000"
    assert empty_usage()["total_tokens"] == 0 and set(empty_usage()) == KEYS


def test_merge_adds_tokens_prices_and_latency() -> None:
    a = usage_dict(10, 5, (1e-06, 2e-06), 0.5)
    b = usage_dict(20, 10, (1e-06, 2e-06), 0.25)
    merged = merge_usage([a, b])
    assert (merged["prompt_tokens"], merged["completion_tokens"], merged["total_tokens"]) == (30, 15, 45)
    assert merged["total_price"] == "0.0000600" and merged["latency"] == 0.75
    meta = usage_metadata(merged)
    assert meta == {"total_tokens": 45, "total_price": "0.0000600", "currency": "USD", "usage": merged}
