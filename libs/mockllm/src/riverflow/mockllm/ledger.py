"""Call accounting and injected faults: what tests read to prove retries and no double billing.

Calls are grouped by the request's ``Idempotency-Key`` header (else ``X-Request-Id``, else
``-``). A call is *completed* once its whole answer was sent (that is what a provider bills);
*aborted* when the client went away mid-answer; *failed* when a fault was injected.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Any

__all__ = ["CallStats", "Fault", "Ledger", "NO_KEY"]

NO_KEY = "-"


@dataclass
class CallStats:
    calls: int = 0
    completed: int = 0
    aborted: int = 0
    failed: int = 0
    completion_tokens: int = 0

    def as_dict(self) -> dict[str, int]:
        return dict(self.__dict__)


@dataclass
class Fault:
    """Fail the next ``count`` matching calls with ``status`` (per key when ``per_key``)."""

    status: int
    count: int
    model: str | None = None
    per_key: bool = True
    message: str = "injected failure"
    seen: dict[str, int] = field(default_factory=dict)

    def take(self, key: str, model: str) -> bool:
        if self.model is not None and self.model != model:
            return False
        slot = key if self.per_key else "*"
        used = self.seen.get(slot, 0)
        if used >= self.count:
            return False
        self.seen[slot] = used + 1
        return True


class Ledger:
    """Counters per idempotency key, injected faults, and the last requests received."""

    def __init__(self, keep_requests: int = 200) -> None:
        self.by_key: dict[str, CallStats] = {}
        self.faults: list[Fault] = []
        self.requests: deque[dict[str, Any]] = deque(maxlen=keep_requests)

    def stats(self, key: str) -> CallStats:
        return self.by_key.setdefault(key, CallStats())

    def begin(self, key: str, path: str, body: dict[str, Any]) -> tuple[CallStats, dict[str, Any]]:
        """Count a call; its request record gets ``sent_at`` (wall-clock time of each streamed frame)."""
        stats = self.stats(key)
        stats.calls += 1
        record: dict[str, Any] = {"key": key, "path": path, "body": body, "sent_at": []}
        self.requests.append(record)
        return stats, record

    def fault_for(self, key: str, model: str) -> Fault | None:
        for fault in self.faults:
            if fault.take(key, model):
                self.stats(key).failed += 1
                return fault
        return None

    def reset(self) -> None:
        self.by_key.clear()
        self.faults.clear()
        self.requests.clear()

    def summary(self) -> dict[str, Any]:
        totals = CallStats()
        for stats in self.by_key.values():
            for name, value in stats.as_dict().items():
                setattr(totals, name, getattr(totals, name) + value)
        return {**totals.as_dict(), "keys": {k: v.as_dict() for k, v in self.by_key.items()}}
