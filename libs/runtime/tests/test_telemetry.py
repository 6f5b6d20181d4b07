"""setup_telemetry: spans are recorded when something receives them, and only then; the bus and
request middleware that make them are left out when nothing is recorded."""

from __future__ import annotations

import pytest
from faststream.nats.opentelemetry import NatsTelemetryMiddleware
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from riverflow.runtime.broker import make_broker
from riverflow.runtime.settings import NatsSettings, TelemetrySettings
from riverflow.runtime.telemetry import records_spans, setup_telemetry


@pytest.fixture(autouse=True)
def _no_global_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    # The global provider can be set once per process; these tests read the returned one.
    monkeypatch.setattr(trace, "set_tracer_provider", lambda provider: None)
    monkeypatch.delenv("OTEL_TRACES_SAMPLER", raising=False)


def _span_is_recording(provider: trace.TracerProvider) -> bool:
    # Not ended: an ended span would go to the exporter.
    return provider.get_tracer("t").start_span("s").is_recording()


def test_without_an_exporter_no_span_is_recorded() -> None:
    assert not _span_is_recording(setup_telemetry("x", TelemetrySettings()))


def test_an_attached_processor_receives_spans() -> None:
    exporter = InMemorySpanExporter()
    provider = setup_telemetry("x", TelemetrySettings(), extra_processors=(SimpleSpanProcessor(exporter),))
    provider.get_tracer("t").start_span("s").end()
    assert [s.name for s in exporter.get_finished_spans()] == ["s"]


def test_an_otlp_endpoint_turns_recording_on() -> None:
    provider = setup_telemetry("x", TelemetrySettings(exporter_otlp_endpoint="http://127.0.0.1:9"))
    try:
        assert _span_is_recording(provider)
    finally:
        provider.shutdown()


def test_the_standard_sampler_variable_still_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "always_on")
    assert _span_is_recording(setup_telemetry("x", TelemetrySettings()))


def test_middleware_stays_out_only_when_nothing_is_recorded() -> None:
    quiet = setup_telemetry("x", TelemetrySettings())
    assert not records_spans(quiet) and not records_spans(trace.NoOpTracerProvider())
    assert records_spans(TracerProvider())
    settings = NatsSettings()
    assert make_broker(settings, service_name="x", tracer_provider=quiet).middlewares == []
    [middleware] = make_broker(settings, service_name="x", tracer_provider=TracerProvider()).middlewares
    assert isinstance(middleware, NatsTelemetryMiddleware)
