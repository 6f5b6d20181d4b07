"""Orchestrator test data: Dify fixtures from ../shared and inbox events built around them."""

from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "dify-fixtures"


def load_fixture(name: str) -> str:
    path = FIXTURES / name
    if not path.exists():
        pytest.skip(f"fixture {path} not available")
    return path.read_text()
