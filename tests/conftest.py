"""Fixtures for cross-service tests: a platform of real service processes on the session's nats-server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.platform import Platform

FIXTURES = Path(__file__).resolve().parents[1].parent / "shared" / "conformance" / "dify-fixtures"


@pytest.fixture
def fixtures_dir() -> Path:
    if not FIXTURES.is_dir():
        pytest.skip(f"conformance fixtures not found at {FIXTURES}")
    return FIXTURES


@pytest.fixture
def platform(nats_url: str, tmp_path: Path) -> Iterator[Platform]:
    """Gateway + orchestrator as subprocesses; the test may kill and restart them."""
    running = Platform(nats_url, tmp_path)
    running.start("gateway")
    running.start("orchestrator")
    running.wait_for_gateway()
    yield running
    running.stop_all()


def sse_events(lines: Iterator[str]) -> Iterator[dict]:
    """Dify SSE frames → event dicts (ping frames have no data line and are skipped)."""
    for line in lines:
        if line.startswith("data: "):
            yield json.loads(line[len("data: ") :])
