"""A client for the mock's ``/mock/*`` controls: script it, inject faults, read its call ledger."""

from __future__ import annotations

from typing import Any

import httpx

__all__ = ["MockControl"]


class MockControl:
    """``base_url`` is the OpenAI-style base (``http://host:port/v1``) the mock was started with."""

    def __init__(self, base_url: str, timeout: float = 10.0) -> None:
        self.base_url = base_url.rstrip("/")
        self.root = self.base_url.removesuffix("/v1")
        self.timeout = timeout

    def _post(self, path: str, body: Any) -> Any:
        response = httpx.post(f"{self.root}{path}", json=body, timeout=self.timeout)
        response.raise_for_status()
        return response.json()

    def reset(self) -> None:
        """Forget calls, faults and requests, and drop the script (back to echo)."""
        self._post("/mock/reset", {})
        self._post("/mock/script", [])

    def script(self, rules: list[dict[str, Any]]) -> None:
        self._post("/mock/script", rules)

    def fault(self, status: int, count: int, **extra: Any) -> None:
        """Fail the next ``count`` calls (per idempotency key unless ``per_key=False``) with ``status``."""
        self._post("/mock/faults", {"status": status, "count": count, **extra})

    def calls(self, key: str | None = None) -> dict[str, Any]:
        url = f"{self.root}/mock/calls" + (f"/{key}" if key else "")
        return httpx.get(url, timeout=self.timeout).json()

    def requests(self, key: str | None = None) -> list[dict[str, Any]]:
        params = {"key": key} if key else None
        return httpx.get(f"{self.root}/mock/requests", params=params, timeout=self.timeout).json()
