"""OpenTelemetry setup, done once per process by ``setup_telemetry``."""

from __future__ import annotations

import os

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from riverflow.runtime.settings import TelemetrySettings

__all__ = ["setup_telemetry", "records_spans"]


def setup_telemetry(
    service_name: str,
    settings: TelemetrySettings,
    *,
    extra_processors: tuple[SpanProcessor, ...] = (),
) -> TracerProvider:
    """Build the tracer provider for ``service_name`` and install it globally.

    Spans are exported over OTLP/HTTP when an endpoint is configured; ``extra_processors`` lets
    tests and tools attach their own (an in-memory exporter, say). With neither, nothing would
    receive a span, so none is recorded (unless ``OTEL_TRACES_SAMPLER`` says otherwise): on the run
    path that is CPU every request and message would spend for nothing.
    """
    exporting = bool(settings.exporter_otlp_endpoint or extra_processors)
    provider = TracerProvider(
        resource=Resource.create({"service.name": f"riverflow-{service_name}"}),
        sampler=None if exporting or os.environ.get("OTEL_TRACES_SAMPLER") else ALWAYS_OFF,
    )
    if settings.exporter_otlp_endpoint:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        endpoint = settings.exporter_otlp_endpoint.rstrip("/") + "/v1/traces"
        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=endpoint)))
    for processor in extra_processors:
        provider.add_span_processor(processor)
    trace.set_tracer_provider(provider)
    return provider


def records_spans(provider: trace.TracerProvider | None = None) -> bool:
    """False only when ``provider`` (default: the global one) is known to record no span: then
    request and message middleware can stay out of the hot path altogether."""
    provider = provider if provider is not None else trace.get_tracer_provider()
    if isinstance(provider, trace.NoOpTracerProvider):
        return False
    return getattr(provider, "sampler", None) is not ALWAYS_OFF
