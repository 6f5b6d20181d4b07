"""Retries with jittered backoff, circuit breakers, per-provider limits and fallback models."""

from __future__ import annotations

import asyncio

import pytest
from riverflow.agent.ports import ChatMessage, ModelError, ModelRequest, ModelTarget
from riverflow.agent.reference import InMemoryModelClient
from riverflow.agent.resilience import (
    BreakerBoard,
    CircuitBreaker,
    ProviderLimits,
    ResilientModelClient,
    RetryPolicy,
)

PRIMARY = ModelTarget("openai", "a", "openai/a")
BACKUP = ModelTarget("anthropic", "b", "anthropic/b")


def _request(target: ModelTarget = PRIMARY) -> ModelRequest:
    return ModelRequest(target=target, messages=(ChatMessage("user", "hi there"),), idempotency_key="k:call1")


def _rate_limited() -> ModelError:
    return ModelError("slow down", status=429, retryable=True, error_type="InvokeRateLimitError")


def test_backoff_is_exponential_capped_and_jittered() -> None:
    policy = RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=3.0)
    assert [policy.delay(n, rng=lambda: 1.0) for n in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    assert policy.delay(2, rng=lambda: 0.25) == 0.5  # full jitter: anywhere in [0, cap]


async def test_retryable_errors_are_retried_with_the_same_idempotency_key() -> None:
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(seconds)

    inner = InMemoryModelClient([_rate_limited(), _rate_limited(), "ok"])
    client = ResilientModelClient(inner, RetryPolicy(3, 1.0, 10.0), sleep=sleep)
    response = await client.complete(_request())
    assert response.text == "ok" and response.attempts == 3
    assert len(waits) == 2 and 0 <= waits[0] <= 1.0 and 0 <= waits[1] <= 2.0
    assert {r.idempotency_key for r in inner.requests} == {"k:call1"}


async def test_non_retryable_errors_fail_at_once() -> None:
    bad = ModelError("nope", status=400, retryable=False, error_type="InvokeBadRequestError")
    inner = InMemoryModelClient([bad, "never"])
    client = ResilientModelClient(inner, RetryPolicy(3, 0, 0))
    with pytest.raises(ModelError):
        await client.complete(_request(), fallbacks=[BACKUP])
    assert len(inner.requests) == 1  # a bad request is bad for every model: no fallback either


async def test_fallback_model_answers_when_the_primary_is_exhausted() -> None:
    inner = InMemoryModelClient([_rate_limited(), _rate_limited(), "from backup"])
    client = ResilientModelClient(inner, RetryPolicy(2, 0, 0))
    response = await client.complete(_request(), fallbacks=[BACKUP])
    assert response.text == "from backup" and response.target == BACKUP and response.attempts == 3
    assert [r.target.name for r in inner.requests] == ["a", "a", "b"]
    assert inner.requests[-1].idempotency_key == "k:call1:fallback1"


async def test_a_call_that_already_streamed_is_not_retried() -> None:
    class Flaky:
        calls = 0

        async def complete(self, request, on_delta=None):  # noqa: ANN001, ANN202
            self.calls += 1
            await on_delta("text", "partial")
            raise _rate_limited()

    flaky = Flaky()
    client = ResilientModelClient(flaky, RetryPolicy(3, 0, 0))
    seen: list[str] = []

    async def sink(field: str, text: str) -> None:
        seen.append(text)

    with pytest.raises(ModelError):
        await client.complete(_request(), sink, fallbacks=[BACKUP])
    assert flaky.calls == 1 and seen == ["partial"]  # the client must never see the text twice


def test_breaker_opens_after_threshold_and_half_opens_after_the_reset_time() -> None:
    now = [0.0]
    breaker = CircuitBreaker(threshold=2, reset_after=10, clock=lambda: now[0])
    assert breaker.allow()
    breaker.failure()
    assert breaker.state == "closed"
    breaker.failure()
    assert breaker.state == "open" and not breaker.allow()
    now[0] = 10.0
    assert breaker.allow() and not breaker.allow()  # one trial call only
    breaker.failure()
    assert breaker.state == "open"
    now[0] = 20.0
    assert breaker.allow()
    breaker.success()
    assert breaker.state == "closed" and breaker.allow()


async def test_open_breaker_skips_to_the_fallback_without_calling() -> None:
    board = BreakerBoard(threshold=1, reset_after=60)
    board.get(PRIMARY.breaker_key).failure()
    inner = InMemoryModelClient(["backup answer"])
    client = ResilientModelClient(inner, RetryPolicy(3, 0, 0), breakers=board)
    response = await client.complete(_request(), fallbacks=[BACKUP])
    assert response.text == "backup answer" and [r.target for r in inner.requests] == [BACKUP]
    with pytest.raises(ModelError, match="circuit open"):
        await client.complete(_request())


async def test_provider_concurrency_is_limited() -> None:
    running, peak = 0, 0

    class Slow:
        async def complete(self, request, on_delta=None):  # noqa: ANN001, ANN202
            nonlocal running, peak
            running += 1
            peak = max(peak, running)
            await asyncio.sleep(0.02)
            running -= 1
            return await InMemoryModelClient().complete(request)

    client = ResilientModelClient(Slow(), limits=ProviderLimits(default=2, overrides={"anthropic": 5}))
    await asyncio.gather(*(client.complete(_request()) for _ in range(6)))
    assert peak == 2
    peak = 0
    await asyncio.gather(*(client.complete(_request(BACKUP)) for _ in range(6)))
    assert peak == 5
