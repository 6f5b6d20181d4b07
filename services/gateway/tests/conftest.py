"""Gateway test fixtures: the app on a temporary SQLite database with the in-memory run bus."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from riverflow.gateway.adapters.memory_bus import InMemoryRunBus
from riverflow.gateway.adapters.sql_database import make_engine, migrate
from riverflow.gateway.adapters.sql_store import SqlStore
from riverflow.gateway.app import create_app
from riverflow.gateway.settings import GatewaySettings
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

SHARED = Path(__file__).resolve().parents[3].parent / "shared"
FIXTURES = SHARED / "conformance" / "dify-fixtures"
CONSOLE_TOKEN = "console-test-token"
TABLES = ("workspaces", "apps", "app_versions", "api_keys", "console_tokens", "workflow_runs")


def fixture_text(name: str) -> str:
    return (FIXTURES / name).read_text()


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

    parse_sse = staticmethod(parse_sse)
    fixture_text = staticmethod(fixture_text)
    console_token = CONSOLE_TOKEN

    async def import_app(self, fixture: str) -> dict[str, Any]:
        response = await self.client.post(
            "/console/api/apps/import",
            content=fixture_text(fixture),
            headers={"Authorization": f"Bearer {CONSOLE_TOKEN}", "Content-Type": "application/x-yaml"},
        )
        assert response.status_code == 201, response.text
        return response.json()

    async def run(self, key: str, body: dict[str, Any]) -> httpx.Response:
        return await self.client.post(
            "/v1/workflows/run", json=body, headers={"Authorization": f"Bearer {key}"}
        )

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


@pytest.fixture
async def gateway(tmp_path: Path) -> AsyncIterator[Gateway]:
    settings = make_settings(tmp_path)
    engine = make_engine(settings.resolved_database_url())
    app = create_app(settings, SqlStore(engine), InMemoryRunBus(), prepare_store=lambda: migrate(engine))
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=transport, base_url="http://gateway") as client:
            yield Gateway(app, client, engine, settings, tmp_path / "data" / "gateway.db")
    await engine.dispose()
