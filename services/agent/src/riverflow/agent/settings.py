"""The agent service's settings: ``AGENT_*``, plus ``NATS_*`` and ``OTEL_*`` for the shared sections."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from riverflow.runtime.settings import ServiceSettings

__all__ = ["AgentSettings"]


class AgentSettings(ServiceSettings):
    """Ports are listen ports on ``host``; 0 turns that listener off."""

    model_config = SettingsConfigDict(env_prefix="AGENT_", extra="ignore")

    host: str = "0.0.0.0"
    #: HTTP ``/healthz`` and ``/readyz`` for Kubernetes probes.
    health_port: int = Field(default=8083, ge=0, le=65535)
