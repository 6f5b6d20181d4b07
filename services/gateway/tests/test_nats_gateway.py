"""The gateway on the real NATS bus: a traced HTTP run reaches the inbox and its events come back."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx
import nats
import pytest
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import RunEvent, RunRequested
from riverflow.gateway.adapters.nats_bus import NatsRunBus
from riverflow.gateway.adapters.sql_database import make_engine, migrate
from riverflow.gateway.adapters.sql_store import SqlStore
from riverflow.gateway.app import create_app
from riverflow.gateway.settings import GatewaySettings
from riverflow.runtime.broker import make_broker
from riverflow.runtime.settings import NatsSettings

pytestmark = pytest.mark.integration

FIXTURE = (
    Path(__file__).resolve().parents[3].parent
    / "shared/conformance/dify-fixtures/simple_passthrough_workflow.yml"
)


async def test_run_over_nats_is_traced_from_the_http_request(nats_url, tmp_path) -> None:
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    settings = GatewaySettings(
        data_dir=tmp_path, database_url=f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}", console_token="ct"
    )
    engine = make_engine(settings.resolved_database_url())
    broker = make_broker(
        NatsSettings(url=nats_url), service_name="gateway", tracer_provider=provider, quiet=True
    )
    app = create_app(
        settings,
        SqlStore(engine),
        NatsRunBus(broker),
        prepare_store=lambda: migrate(engine),
        tracer_provider=provider,
    )
    received: list[tuple[RunRequested, dict]] = []
    nc = await nats.connect(nats_url)
    js = nc.jetstream()

    async def orchestrate(msg) -> None:  # a fake orchestrator: echo the inputs as outputs
        request = RunRequested.model_validate_json(msg.data)
        received.append((request, dict(msg.headers or {})))
        for seq, name, data in [
            (1, "workflow_started", {"id": request.run_id}),
            (
                2,
                "workflow_finished",
                {"id": request.run_id, "status": "succeeded", "outputs": request.inputs},
            ),
        ]:
            event = RunEvent(
                run_id=request.run_id, task_id=request.task_id, seq=seq, event=name, data=data, created_at=1
            )
            await js.publish(subjects.run_events(request.run_id), event.model_dump_json().encode())

    sub = await nc.subscribe(subjects.RUN_INBOX_ALL, cb=orchestrate)
    transport = httpx.ASGITransport(app=app)
    try:
        async with (
            app.router.lifespan_context(app),
            httpx.AsyncClient(transport=transport, base_url="http://gw") as client,
        ):
            dsl = FIXTURE.read_text()
            imported = await client.post(
                "/console/api/apps/import", content=dsl, headers={"Authorization": "Bearer ct"}
            )
            key = imported.json()["api_key"]
            response = await client.post(
                "/v1/workflows/run",
                json={"inputs": {"query": "over nats"}, "user": "u1"},
                headers={"Authorization": f"Bearer {key}"},
            )
            assert response.status_code == 200, response.text
            assert response.json()["data"]["outputs"] == {"query": "over nats"}
    finally:
        await sub.unsubscribe()
        for request, _ in received:
            await js.purge_stream(subjects.RUN_INBOX_STREAM, subject=subjects.run_inbox(request.run_id))
        await nc.close()
        await engine.dispose()

    request, headers = received[0]
    assert request.workflow_id == imported.json()["workflow_id"] and request.dsl == dsl
    assert request.system["workflow_run_id"] == request.run_id and request.system["user_id"] == "u1"
    assert headers["Nats-Msg-Id"] == request.run_id
    spans = exporter.get_finished_spans()
    server = next(s for s in spans if s.kind == SpanKind.SERVER and s.name == "POST /v1/workflows/run")
    publish = next(s for s in spans if s.kind == SpanKind.PRODUCER)
    assert publish.parent is not None and publish.parent.span_id == server.context.span_id
    trace_id = f"{server.context.trace_id:032x}"
    assert trace_id in headers["traceparent"]  # the trace continues in the orchestrator
    uuid.UUID(request.task_id)
