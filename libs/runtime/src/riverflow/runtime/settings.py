"""Settings bases shared by every service: NATS and telemetry sections, read from the environment."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["NatsSettings", "TelemetrySettings", "ServiceSettings"]


class NatsSettings(BaseSettings):
    """Where the bus is. ``NATS_URL`` as in every NATS tool."""

    model_config = SettingsConfigDict(env_prefix="NATS_", extra="ignore")

    url: str = "nats://127.0.0.1:4222"
    #: Bounded in-flight work per replica (JetStream max_ack_pending of pull consumers).
    max_in_flight: int = 64
    #: How long a consumer holds a message before JetStream redelivers it to another replica.
    ack_wait_seconds: float = 30.0


class TelemetrySettings(BaseSettings):
    """OpenTelemetry: OTLP export when ``OTEL_EXPORTER_OTLP_ENDPOINT`` is set."""

    model_config = SettingsConfigDict(env_prefix="OTEL_", extra="ignore")

    exporter_otlp_endpoint: str | None = None
    #: Prompt/document content in spans is opt-in (secrets and user data stay out of traces).
    record_content: bool = Field(default=False, alias="RIVERFLOW_TRACE_CONTENT")


class ServiceSettings(BaseSettings):
    """Base for a service's settings class: subclass it with the service's own ``env_prefix``."""

    model_config = SettingsConfigDict(extra="ignore")

    log_level: str = "INFO"
    nats: NatsSettings = Field(default_factory=NatsSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
