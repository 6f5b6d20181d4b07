"""Agent settings come from the environment: ``AGENT_*`` for its own, ``NATS_*`` for the bus."""

from __future__ import annotations

import pytest
from riverflow.agent.settings import AgentSettings


def test_defaults() -> None:
    assert AgentSettings().health_port == 8083


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_HEALTH_PORT", "0")
    monkeypatch.setenv("NATS_URL", "nats://bus:4222")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    settings = AgentSettings()
    assert settings.health_port == 0
    assert settings.nats.url == "nats://bus:4222"
    assert settings.telemetry.exporter_otlp_endpoint == "http://collector:4318"
