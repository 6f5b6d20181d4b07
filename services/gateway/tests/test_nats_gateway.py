"""The gateway on the real NATS bus: a traced HTTP run reaches the inbox and its events come back."""

from __future__ import annotations

import asyncio
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
from riverflow.gateway.records import RunQuery
from riverflow.gateway.settings import GatewaySettings
from riverflow.runtime.broker import make_broker
from riverflow.runtime.settings import NatsSettings

from .conftest import subscribed

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
    await subscribed(nc)
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


async def test_a_restarted_gateway_records_runs_that_finished_while_it_was_down(nats_url, tmp_path) -> None:
    """The recorder is a durable JetStream consumer: events published while no gateway listens are
    recorded by the next one, so no run stays ``running`` after a restart."""
    settings = GatewaySettings(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}",
        console_token="ct",
        recorder_durable=f"recorder-{uuid.uuid4().hex[:8]}",
    )

    def gateway() -> tuple:
        engine = make_engine(settings.resolved_database_url())
        broker = make_broker(NatsSettings(url=nats_url), service_name="gateway", quiet=True)
        bus = NatsRunBus(broker, recorder_durable=settings.recorder_durable)
        return create_app(settings, SqlStore(engine), bus, prepare_store=lambda: migrate(engine)), engine

    app, engine = gateway()
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as client:
            imported = await client.post(
                "/console/api/apps/import",
                content=FIXTURE.read_text(),
                headers={"Authorization": "Bearer ct"},
            )
            key = imported.json()["api_key"]
            with pytest.raises(TimeoutError):  # nothing runs it yet; the client gives up
                await asyncio.wait_for(
                    client.post(
                        "/v1/workflows/run",
                        json={"inputs": {"query": "later"}, "user": "u1"},
                        headers={"Authorization": f"Bearer {key}"},
                    ),
                    1.0,
                )
    await engine.dispose()

    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    runs, _ = await SqlStore(make_engine(settings.resolved_database_url())).list_runs(
        imported.json()["id"], RunQuery()
    )
    (run,) = runs
    assert run.status == "running"
    raw = await js.get_last_msg(subjects.RUN_INBOX_STREAM, subjects.run_inbox(run.id))
    request = RunRequested.model_validate_json(raw.data)
    node = {
        "id": "exec-start",
        "node_id": "start",
        "node_type": "start",
        "title": "Start",
        "index": 1,
        "status": "succeeded",
        "outputs": {"query": "later"},
        "elapsed_time": 0.1,
        "execution_metadata": {},
        "created_at": 1,
        "finished_at": 2,
    }
    script = [
        ("workflow_started", {"id": run.id}),
        ("node_finished", node),
        (
            "workflow_finished",
            {
                "id": run.id,
                "status": "succeeded",
                "outputs": request.inputs,
                "total_steps": 1,
                "elapsed_time": 0.5,
                "total_tokens": 0,
                "finished_at": 3,
            },
        ),
    ]
    for seq, (name, data) in enumerate(script, start=1):
        event = RunEvent(run_id=run.id, task_id=request.task_id, seq=seq, event=name, data=data, created_at=2)
        await js.publish(subjects.run_events(run.id), event.model_dump_json().encode())
    await js.purge_stream(subjects.RUN_INBOX_STREAM, subject=subjects.run_inbox(run.id))
    await nc.close()

    app, engine = gateway()
    async with app.router.lifespan_context(app):
        store = app.state.services.store
        for _ in range(100):
            recorded = await store.get_run_any(run.id)
            if recorded.status != "running":
                break
            await asyncio.sleep(0.05)
        assert recorded.status == "succeeded" and recorded.outputs == {"query": "later"}
        assert [e.node_id for e in await store.list_node_executions(run.id)] == ["start"]
    await engine.dispose()


async def test_a_key_revoked_on_one_gateway_is_refused_by_the_other_at_once(nats_url, tmp_path) -> None:
    """Two gateway processes on one database and one NATS: the other one answers key checks from
    memory for a long TTL, yet the revocation's notice makes it refuse the key at once."""
    settings = GatewaySettings(
        data_dir=tmp_path,
        database_url=f"sqlite+aiosqlite:///{tmp_path / 'gw.db'}",
        console_token="ct",
        key_cache_seconds=600,
    )
    engines = [make_engine(settings.resolved_database_url()) for _ in range(2)]
    apps = [
        create_app(
            settings,
            SqlStore(engine),
            NatsRunBus(
                make_broker(NatsSettings(url=nats_url), service_name=f"gw-{i}", quiet=True),
                recorder_durable=f"recorder-{uuid.uuid4().hex[:8]}",
            ),
            prepare_store=lambda engine=engine: migrate(engine),
        )
        for i, engine in enumerate(engines)
    ]
    console = {"Authorization": "Bearer ct"}
    try:
        async with (
            apps[0].router.lifespan_context(apps[0]),
            apps[1].router.lifespan_context(apps[1]),
            httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[0]), base_url="http://gw") as one,
            httpx.AsyncClient(transport=httpx.ASGITransport(app=apps[1]), base_url="http://gw") as other,
        ):
            imported = await one.post(
                "/console/api/apps/import", content=FIXTURE.read_text(), headers=console
            )
            app_id, key = imported.json()["id"], imported.json()["api_key"]
            auth = {"Authorization": f"Bearer {key}"}
            assert (await other.get("/v1/info", headers=auth)).status_code == 200  # now remembered
            (listed,) = (await one.get(f"/console/api/apps/{app_id}/api-keys", headers=console)).json()[
                "data"
            ]
            revoked = await one.delete(f"/console/api/apps/{app_id}/api-keys/{listed['id']}", headers=console)
            assert revoked.status_code == 204
            assert (await one.get("/v1/info", headers=auth)).status_code == 401
            statuses = []
            for _ in range(50):  # the notice crosses NATS: a moment, not the 600 s TTL
                statuses.append((await other.get("/v1/info", headers=auth)).status_code)
                if statuses[-1] == 401:
                    break
                await asyncio.sleep(0.05)
            assert statuses[-1] == 401, statuses
    finally:
        for engine in engines:
            await engine.dispose()
