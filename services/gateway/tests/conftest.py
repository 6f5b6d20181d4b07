"""Gateway test fixtures: the app on a fresh database (SQLite, and PostgreSQL when one answers)
with the in-memory run bus."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from nats.aio.client import Client as NATS
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.gateway.adapters import sql_models_accounts, sql_models_chat  # noqa: F401 - tables
from riverflow.gateway.adapters.memory_bus import InMemoryRunBus, TaskExecutor
from riverflow.gateway.adapters.memory_store import InMemoryStore
from riverflow.gateway.adapters.sql_database import make_engine, migrate
from riverflow.gateway.adapters.sql_store import SqlStore
from riverflow.gateway.app import create_app
from riverflow.gateway.settings import GatewaySettings
from riverflow.runtime.nats_server import free_port
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
FIXTURES = SHARED / "conformance" / "dify-fixtures"
APPS = Path(__file__).resolve().parent / "apps"
CONSOLE_TOKEN = "console-test-token"
TABLES = ("workspaces", "apps", "app_versions", "api_keys", "console_tokens", "workflow_runs")


def fixture_text(name: str) -> str:
    """A Dify fixture from ../shared, or one of this suite's own apps (tests/apps)."""
    path = APPS / name if (APPS / name).exists() else FIXTURES / name
    return path.read_text()


async def subscribed(nc: NATS) -> None:
    """Returns once the server holds every subscription made on ``nc`` so far.

    Not ``nc.flush()``: nats-py 2.16 writes flush's PING straight to the socket, ahead of the
    commands still in its pending buffer, so the PONG can come back before the SUB was even sent
    (seen in the server's trace: a run published in that gap never reached the subscriber). A
    request goes through that buffer behind the SUB, and the server answers it only after.
    """
    await nc.jetstream().account_info()


def succeeded(task: NodeTaskRequested, outputs: dict[str, Any], **metadata: Any) -> NodeTaskResult:
    """The model's stand-in answer to a node task: ``outputs``, succeeded now."""
    return NodeTaskResult(
        event_id=task.idempotency_key,
        run_id=task.run_id,
        node_id=task.node_id,
        attempt=task.attempt,
        status="succeeded",
        outputs=outputs,
        metadata=metadata,
        at=time.time(),
    )


def parse_sse(body: str) -> list[dict[str, Any]]:
    """Dify SSE frames: data frames as dicts, pings as ``{"event": "ping", "_ping": True}``."""
    frames = []
    for block in body.split("\n\n"):
        if not block.strip():
            continue
        if block == "event: ping":
            frames.append({"event": "ping", "_ping": True})
            continue
        assert block.startswith("data: ") and "\n" not in block, block
        frames.append(json.loads(block[len("data: ") :]))
    return frames


@dataclass
class Gateway:
    app: FastAPI
    client: httpx.AsyncClient
    engine: AsyncEngine
    settings: GatewaySettings
    db_path: Path
    bus: InMemoryRunBus
    extra: dict[str, Any] = field(default_factory=dict)

    parse_sse = staticmethod(parse_sse)
    fixture_text = staticmethod(fixture_text)
    console_token = CONSOLE_TOKEN

    @property
    def console(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {CONSOLE_TOKEN}"}

    @staticmethod
    def auth(key: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {key}"}

    async def import_app(self, fixture: str, token: str = CONSOLE_TOKEN) -> dict[str, Any]:
        response = await self.client.post(
            "/console/api/apps/import",
            content=fixture_text(fixture),
            headers={"Authorization": f"Bearer {token}", "Content-Type": "application/x-yaml"},
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def run(self, key: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.post("/v1/workflows/run", json=body, headers=self.auth(key))

    async def chat(self, key: str, query: str, user: str = "u1", **body: Any) -> httpx.Response:
        payload = {"query": query, "inputs": {}, "user": user, "response_mode": "blocking", **body}
        return await self.client.post("/v1/chat-messages", json=payload, headers=self.auth(key))

    async def dataset_key(self, token: str = CONSOLE_TOKEN) -> str:
        response = await self.client.post("/console/api/datasets/api-keys", headers=self.auth(token))
        assert response.status_code == 201, response.text
        return response.json()["token"]

    @contextlib.asynccontextmanager
    async def served(self) -> AsyncIterator[str]:
        """The same app on a real HTTP port (uvicorn in this loop), for streaming clients that
        read incrementally or disconnect; yields the base URL."""
        port = free_port()
        server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=port, lifespan="off", log_level="warning")
        )
        task = asyncio.create_task(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            server.should_exit = True
            await task

    async def dump(self) -> str:
        """Every row of every table, as text (to prove what the database does not hold)."""
        from riverflow.gateway.adapters.sql_models import Base

        rows = []
        async with self.engine.connect() as conn:
            for table in Base.metadata.sorted_tables:
                rows.extend(str(tuple(row)) for row in (await conn.execute(table.select())).all())
        return "\n".join(rows)

    async def row_counts(self) -> dict[str, int]:
        async with self.engine.connect() as conn:
            return {t: (await conn.execute(text(f"SELECT COUNT(*) FROM {t}"))).scalar_one() for t in TABLES}


def make_settings(tmp_path: Path, **overrides: Any) -> GatewaySettings:
    values: dict[str, Any] = {
        "data_dir": tmp_path / "data",
        "database_url": f"sqlite+aiosqlite:///{tmp_path / 'data' / 'gateway.db'}",
        "console_token": CONSOLE_TOKEN,
        "ping_interval_seconds": 0.2,
        "blocking_timeout_seconds": 10.0,
        "bus": "memory",
    }
    values.update(overrides)
    return GatewaySettings(**values)


async def _postgres_engine(url: str) -> tuple[AsyncEngine, AsyncEngine, str]:
    schema = f"gw_test_{uuid.uuid4().hex[:12]}"  # a fresh schema per test: reruns start clean
    admin = make_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    return make_engine(url, connect_args={"server_settings": {"search_path": schema}}), admin, schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest) -> str:
    """Which database the gateway under test uses; every API test runs on both."""
    return request.param


@pytest.fixture
def task_executor() -> TaskExecutor | None:
    """Override in a test module to execute node tasks (the model's stand-in)."""
    return None


@pytest.fixture
def knowledge_backend() -> Any:
    """Override to serve the Knowledge API from another backend (default: the in-memory one)."""
    return None


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    """Override in a test module to change settings (rate limits, body limits...)."""
    return {}


@pytest.fixture
async def gateway(
    tmp_path: Path,
    request: pytest.FixtureRequest,
    database: str,
    task_executor,
    settings_overrides,
    knowledge_backend,
) -> AsyncIterator[Gateway]:
    admin = schema = None
    if database == "postgres":
        engine, admin, schema = await _postgres_engine(request.getfixturevalue("postgres_url"))
    else:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'data' / 'gateway.db'}")
    settings = make_settings(tmp_path, **settings_overrides)
    bus = InMemoryRunBus(execute_task=task_executor)
    app = create_app(
        settings,
        SqlStore(engine),
        bus,
        prepare_store=lambda: migrate(engine),
        knowledge_backend=knowledge_backend,
    )
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    try:
        async with app.router.lifespan_context(app):
            async with httpx.AsyncClient(
                transport=transport, base_url="http://gateway", timeout=30
            ) as client:
                yield Gateway(app, client, engine, settings, tmp_path / "data" / "gateway.db", bus)
    finally:
        await engine.dispose()
        if admin is not None:
            async with admin.begin() as conn:
                await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


#: The stores every conformance test runs on: ``pytest.mark.parametrize("store", STORES, indirect=True)``.
STORES = ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[object]:
    """The store under test (``request.param`` from ``STORES``), migrated and empty."""
    if request.param == "memory":
        yield InMemoryStore()
        return
    if request.param == "sqlite":
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'store.db'}")
        await migrate(engine)
        yield SqlStore(engine)
        await engine.dispose()
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"gw_test_{uuid.uuid4().hex[:12]}"  # a fresh schema per test: reruns start clean
    admin = make_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = make_engine(url, connect_args={"server_settings": {"search_path": schema}})
    try:
        await migrate(engine)
        yield SqlStore(engine)
    finally:
        await engine.dispose()
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()
