"""Per-key request rate limits (token buckets), answered with Dify's 429 ``too_many_requests``."""

from __future__ import annotations

import time
from collections import OrderedDict

from riverflow.gateway.errors import ApiError

__all__ = ["RateLimiter"]


class RateLimiter:
    """``per_minute`` requests per key, with bursts up to the same number.

    In-process: each gateway replica counts its own share, which bounds any key at
    ``replicas x per_minute``; buckets of idle keys are forgotten past ``max_keys``.
    """

    def __init__(self, per_minute: int, max_keys: int = 100_000) -> None:
        self.per_minute = per_minute
        self._rate = per_minute / 60.0
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # key -> (tokens, at)
        self._max_keys = max_keys

    def allow(self, key: str) -> bool:
        if self.per_minute <= 0:
            return True
        now = time.monotonic()
        tokens, at = self._buckets.pop(key, (float(self.per_minute), now))
        tokens = min(float(self.per_minute), tokens + (now - at) * self._rate)
        allowed = tokens >= 1.0
        self._buckets[key] = (tokens - 1.0 if allowed else tokens, now)
        if len(self._buckets) > self._max_keys:
            self._buckets.popitem(last=False)
        return allowed

    def check(self, key: str) -> None:
        if not self.allow(key):
            raise ApiError(429, "too_many_requests", "Too many requests. Please try again later.")
