"""Orchestrator settings (env prefix ``ORCHESTRATOR_``; NATS and telemetry sections shared)."""

from __future__ import annotations

from pydantic_settings import SettingsConfigDict

from riverflow.runtime.settings import ServiceSettings

__all__ = ["OrchestratorSettings"]


class OrchestratorSettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="ORCHESTRATOR_", extra="ignore")

    #: Runs whose folded state stays in memory (a miss costs one read of the run's log).
    state_cache_size: int = 2048
    #: Inbox messages one replica works on at once; the rest wait in JetStream.
    max_workers: int = 32
    #: Port of the /healthz and /readyz endpoint; 0 turns it off.
    health_port: int = 0
