"""Resilient model calls: jittered exponential backoff, per-provider limits, circuit breakers, fallbacks."""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace

from riverflow.agent.ports import DeltaSink, ModelClient, ModelError, ModelRequest, ModelResponse, ModelTarget

__all__ = ["RetryPolicy", "CircuitBreaker", "BreakerBoard", "ProviderLimits", "ResilientModelClient"]


@dataclass(frozen=True)
class RetryPolicy:
    """``max_attempts`` calls per model; the n-th wait is uniform in [0, min(cap, base * 2**n)]."""

    max_attempts: int = 3
    base_delay: float = 0.5
    max_delay: float = 8.0

    def delay(self, retry: int, rng: Callable[[], float] = random.random) -> float:
        # Full jitter: concurrent callers that failed together do not retry together.
        return rng() * min(self.max_delay, self.base_delay * (2**retry))


class CircuitBreaker:
    """Opens after ``threshold`` consecutive failures; after ``reset_after`` s lets one trial through."""

    def __init__(
        self, threshold: int = 5, reset_after: float = 30.0, clock: Callable[[], float] = time.monotonic
    ):
        self.threshold, self.reset_after, self.clock = threshold, reset_after, clock
        self.failures = 0
        self.opened_at: float | None = None
        self._trial = False

    @property
    def state(self) -> str:
        if self.opened_at is None:
            return "closed"
        return "half-open" if self.clock() - self.opened_at >= self.reset_after else "open"

    def allow(self) -> bool:
        state = self.state
        if state == "closed":
            return True
        if state == "half-open" and not self._trial:
            self._trial = True
            return True
        return False

    def success(self) -> None:
        self.failures, self.opened_at, self._trial = 0, None, False

    def failure(self) -> None:
        self.failures += 1
        self._trial = False
        if self.opened_at is not None or self.failures >= self.threshold:
            self.opened_at = self.clock()


class BreakerBoard:
    def __init__(
        self, threshold: int = 5, reset_after: float = 30.0, clock: Callable[[], float] = time.monotonic
    ):
        self._make = lambda: CircuitBreaker(threshold, reset_after, clock)
        self._breakers: dict[str, CircuitBreaker] = {}

    def get(self, key: str) -> CircuitBreaker:
        if key not in self._breakers:
            self._breakers[key] = self._make()
        return self._breakers[key]


class ProviderLimits:
    """At most ``default`` concurrent calls per provider endpoint (``overrides`` by provider name)."""

    def __init__(self, default: int = 16, overrides: dict[str, int] | None = None) -> None:
        self.default, self.overrides = default, dict(overrides or {})
        self._semaphores: dict[str, asyncio.Semaphore] = {}

    def semaphore(self, target: ModelTarget) -> asyncio.Semaphore:
        key = target.limit_key
        if key not in self._semaphores:
            self._semaphores[key] = asyncio.Semaphore(self.overrides.get(target.provider, self.default))
        return self._semaphores[key]

    @asynccontextmanager
    async def slot(self, target: ModelTarget) -> AsyncIterator[None]:
        async with self.semaphore(target):
            yield


class ResilientModelClient:
    """Wraps a ``ModelClient``: retries, limits and breakers per target, then the fallbacks in order.

    A call that already streamed deltas is never retried (the client saw them); its error is final.
    """

    def __init__(
        self,
        inner: ModelClient,
        policy: RetryPolicy | None = None,
        limits: ProviderLimits | None = None,
        breakers: BreakerBoard | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self.inner = inner
        self.policy = policy or RetryPolicy()
        self.limits = limits or ProviderLimits()
        self.breakers = breakers or BreakerBoard()
        self.sleep = sleep

    async def complete(
        self, request: ModelRequest, on_delta: DeltaSink | None = None, fallbacks: Sequence[ModelTarget] = ()
    ) -> ModelResponse:
        last: ModelError | None = None
        calls = 0
        for n, target in enumerate([request.target, *fallbacks]):
            key = request.idempotency_key if n == 0 else f"{request.idempotency_key}:fallback{n}"
            attempt_request = replace(request, target=target, idempotency_key=key)
            breaker = self.breakers.get(target.breaker_key)
            for retry in range(self.policy.max_attempts):
                if not breaker.allow():
                    last = ModelError(
                        f"circuit open for {target.provider}/{target.name}",
                        retryable=True,
                        error_type="InvokeServerUnavailableError",
                    )
                    break
                streamed = False

                async def sink(field: str, text: str) -> None:
                    nonlocal streamed
                    streamed = True
                    assert on_delta is not None
                    await on_delta(field, text)

                calls += 1
                try:
                    async with self.limits.slot(target):
                        response = await self.inner.complete(attempt_request, sink if on_delta else None)
                except ModelError as exc:
                    last = exc
                    if exc.retryable:
                        breaker.failure()
                    else:
                        breaker.success()  # the provider answered: it is healthy, the request was not
                    if streamed or exc.error_type == "InvokeBadRequestError":
                        raise
                    if not exc.retryable:
                        break
                    if retry + 1 < self.policy.max_attempts:
                        await self.sleep(self.policy.delay(retry))
                    continue
                breaker.success()
                response.target, response.attempts = target, calls
                return response
        assert last is not None
        raise last
