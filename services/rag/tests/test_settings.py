"""Rag settings come from the environment: ``RAG_*`` for its own, ``NATS_*`` for the bus."""

from __future__ import annotations

import pytest
from riverflow.rag.settings import RagSettings


def test_defaults() -> None:
    settings = RagSettings()
    assert (settings.grpc_port, settings.health_port) == (50051, 8082)


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RAG_GRPC_PORT", "0")
    monkeypatch.setenv("RAG_HEALTH_PORT", "9000")
    monkeypatch.setenv("NATS_URL", "nats://bus:4222")
    settings = RagSettings()
    assert (settings.grpc_port, settings.health_port, settings.nats.url) == (0, 9000, "nats://bus:4222")
