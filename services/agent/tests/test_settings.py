"""Agent settings come from the environment: ``AGENT_*`` for its own, ``NATS_*`` for the bus."""

from __future__ import annotations

import pytest
from pydantic import SecretStr
from riverflow.agent.assembly import router_config, secret_box
from riverflow.agent.settings import AgentSettings


def test_defaults() -> None:
    settings = AgentSettings()
    assert settings.health_port == 8083
    assert settings.default_model_base_url is None and settings.tools_allow_private_networks is False
    assert settings.mcp_allow_stdio is False


def test_environment_overrides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AGENT_HEALTH_PORT", "0")
    monkeypatch.setenv("NATS_URL", "nats://bus:4222")
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    monkeypatch.setenv("AGENT_DEFAULT_MODEL_BASE_URL", "http://127.0.0.1:8808/v1")
    monkeypatch.setenv("AGENT_FALLBACK_MODELS", '{"*": ["openai/gpt-4o-mini"]}')
    monkeypatch.setenv("RIVERFLOW_SECRET_KEY", "shared-with-the-gateway")
    settings = AgentSettings()
    assert settings.health_port == 0
    assert settings.nats.url == "nats://bus:4222"
    assert settings.telemetry.exporter_otlp_endpoint == "http://collector:4318"
    config = router_config(settings)
    assert config.default_base_url == "http://127.0.0.1:8808/v1"
    assert config.fallback_models == {"*": ["openai/gpt-4o-mini"]}
    assert isinstance(settings.secret_key, SecretStr) and "shared" not in repr(settings)
    assert secret_box(settings) is not None


def test_secret_key_file(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:  # noqa: ANN001
    path = tmp_path / "secret-key"
    monkeypatch.setenv("AGENT_SECRET_KEY_FILE", str(path))
    settings = AgentSettings()
    assert secret_box(settings) is None  # not written yet
    path.write_text("generated-by-the-gateway\n")
    assert secret_box(settings) is not None
