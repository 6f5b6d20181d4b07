"""Usage sums as Dify reports them: prices are fixed-point decimal strings, tokens add up."""

from __future__ import annotations

from riverflow.gateway.usage import add_usage, empty_usage


def test_zero_and_tiny_prices_are_fixed_point_strings() -> None:
    node = {
        "prompt_tokens": 5,
        "completion_tokens": 3,
        "total_tokens": 8,
        "prompt_price": "0E-7",
        "completion_price": "0.0000002",
        "total_price": "0.0000002",
        "currency": "USD",
        "latency": 0.5,
    }
    total = add_usage(empty_usage(), node)
    assert total["prompt_price"] == "0.0000000"
    assert total["completion_price"] == "0.0000002"
    assert all("E" not in total[k] for k in ("prompt_price", "completion_price", "total_price"))
    again = add_usage(total, node)
    assert again["total_tokens"] == 16 and again["total_price"] == "0.0000004"
    assert again["latency"] == 1.0
