"""Request spans: one SERVER span per request (the gateway's), naming the route, never the query."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_OFF
from opentelemetry.trace import SpanKind
from riverflow.gateway.adapters.memory_bus import InMemoryRunBus
from riverflow.gateway.adapters.memory_store import InMemoryStore
from riverflow.gateway.app import create_app
from riverflow.gateway.middleware import TracingMiddleware

from .conftest import make_settings


async def test_a_request_has_one_server_span_without_its_query_string(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    # As in a service, where setup_telemetry installs the provider globally (FastAPI reads that one).
    monkeypatch.setattr(trace, "get_tracer_provider", lambda: provider)
    app = create_app(make_settings(tmp_path), InMemoryStore(), InMemoryRunBus(), tracer_provider=provider)
    transport = httpx.ASGITransport(app=app)
    client = httpx.AsyncClient(transport=transport, base_url="http://g")
    async with app.router.lifespan_context(app), client:
        response = await client.get("/v1/info?sign=s3cret-signature")
    assert response.status_code == 401
    [server] = [s for s in exporter.get_finished_spans() if s.kind == SpanKind.SERVER]
    assert server.name == "GET /v1/info" and server.attributes["http.response.status_code"] == 401
    assert not any("s3cret" in str(value) for value in server.attributes.values())


def test_no_span_middleware_when_nothing_is_recorded(tmp_path: Path) -> None:
    def tracing(provider: TracerProvider) -> bool:
        app = create_app(make_settings(tmp_path), InMemoryStore(), InMemoryRunBus(), tracer_provider=provider)
        return any(m.cls is TracingMiddleware for m in app.user_middleware)

    assert tracing(TracerProvider()) and not tracing(TracerProvider(sampler=ALWAYS_OFF))
