"""Broker factory: a FastStream NATS broker with tracing, and the raw JetStream context beside it."""

from __future__ import annotations

from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider

from riverflow.runtime.settings import NatsSettings

__all__ = ["make_broker"]


def make_broker(
    settings: NatsSettings,
    *,
    service_name: str,
    tracer_provider: TracerProvider | None = None,
    quiet: bool = False,
) -> NatsBroker:
    """Build the service's broker; trace context crosses the bus in message headers.

    ``quiet`` drops FastStream's per-message logging (benchmarks, hot paths).
    """
    kwargs: dict = {}
    if quiet:
        kwargs["logger"] = None
    return NatsBroker(
        settings.url,
        name=f"riverflow-{service_name}",
        middlewares=(NatsTelemetryMiddleware(tracer_provider=tracer_provider),),
        max_reconnect_attempts=-1,
        **kwargs,
    )
