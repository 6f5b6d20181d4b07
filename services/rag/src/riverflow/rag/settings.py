"""The rag service's settings: ``RAG_*``, plus ``NATS_*`` and ``OTEL_*`` for the shared sections."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict
from riverflow.runtime.settings import ServiceSettings

__all__ = ["RagSettings"]


class RagSettings(ServiceSettings):
    """Ports are listen ports on ``host``; 0 turns that listener off."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    host: str = "0.0.0.0"
    #: HTTP ``/healthz`` and ``/readyz`` for Kubernetes probes.
    health_port: int = Field(default=8082, ge=0, le=65535)
    #: gRPC ``riverflow.rag.v1.Retrieval`` and the health services.
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    #: How long in-flight gRPC calls may finish after SIGTERM.
    grpc_grace_seconds: float = 5.0
