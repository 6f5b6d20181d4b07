"""Broker factory: a FastStream NATS broker with tracing, and the raw JetStream context beside it."""

from __future__ import annotations

import logging

from faststream.nats import NatsBroker
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry.sdk.trace import TracerProvider
from riverflow.runtime.settings import NatsSettings
from riverflow.runtime.telemetry import records_spans

__all__ = ["make_broker"]


def make_broker(
    settings: NatsSettings,
    *,
    service_name: str,
    tracer_provider: TracerProvider | None = None,
    message_log_level: int = logging.WARNING,
    quiet: bool = False,
) -> NatsBroker:
    """Build the service's broker; trace context crosses the bus in message headers (when the
    provider records spans at all).

    FastStream logs every message received at INFO; its logger here only passes
    ``message_log_level`` and above, so handler errors still show and hot paths stay quiet;
    ``quiet`` keeps only errors (benchmarks).
    """
    logger = logging.getLogger(f"riverflow.{service_name}.broker")
    logger.setLevel(logging.ERROR if quiet else message_log_level)
    tracing = records_spans(tracer_provider)
    return NatsBroker(
        settings.url,
        name=f"riverflow-{service_name}",
        middlewares=(NatsTelemetryMiddleware(tracer_provider=tracer_provider),) if tracing else (),
        max_reconnect_attempts=-1,
        logger=logger,
    )
