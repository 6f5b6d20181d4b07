"""One behaviour suite for every ``Store``: in memory, SQLite (migrated) and PostgreSQL (migrated)."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import pytest
from riverflow.gateway.adapters.memory_store import InMemoryStore
from riverflow.gateway.adapters.sql_database import make_engine, migrate
from riverflow.gateway.adapters.sql_store import SqlStore
from riverflow.gateway.records import NewApp, RunRecord
from sqlalchemy import text

pytestmark = pytest.mark.parametrize(
    "store", ["memory", "sqlite", pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@pytest.fixture
async def store(request, tmp_path) -> AsyncIterator[object]:
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


def _new_app(workspace_id: str, key_hash: str = "h" * 64, name: str = "echo") -> NewApp:
    return NewApp(
        workspace_id, name, "workflow", "desc", "🤖", "app:\n  mode: workflow\n", key_hash, "app-abcd"
    )


async def test_workspace_is_created_once(store) -> None:
    first = await store.ensure_workspace()
    assert await store.ensure_workspace() == first
    assert await store.ensure_workspace("other") != first


async def test_create_app_stores_app_published_version_and_key(store) -> None:
    ws = await store.ensure_workspace()
    app, version, key = await store.create_app(_new_app(ws))
    assert (app.name, app.mode, app.description, app.icon) == ("echo", "workflow", "desc", "🤖")
    assert abs(app.created_at - time.time()) < 60
    assert version.app_id == app.id and version.published and version.version == 1
    assert (key.type, key.app_id, key.prefix, key.revoked) == ("app", app.id, "app-abcd", False)
    assert await store.get_app(app.id) == app
    assert await store.published_version(app.id) == version
    assert await store.find_api_key("h" * 64, "app") == key
    assert await store.find_api_key("h" * 64, "dataset") is None
    assert await store.find_api_key("x" * 64, "app") is None
    assert [a.id for a in await store.list_apps(ws)] == [app.id]
    assert await store.list_apps(await store.ensure_workspace("other")) == []


async def test_create_app_is_atomic(store) -> None:
    ws = await store.ensure_workspace()
    await store.create_app(_new_app(ws, key_hash="d" * 64, name="first"))
    with pytest.raises(Exception):  # noqa: B017 - duplicate key hash, backend-specific error
        await store.create_app(_new_app(ws, key_hash="d" * 64, name="second"))
    assert [a.name for a in await store.list_apps(ws)] == ["first"]


async def test_unknown_ids(store) -> None:
    assert await store.get_app("nope") is None
    assert await store.published_version("nope") is None
    assert await store.get_run("nope", "nope") is None


async def test_dataset_keys(store) -> None:
    ws = await store.ensure_workspace()
    key = await store.create_api_key(
        type="dataset", workspace_id=ws, app_id=None, key_hash="k" * 64, prefix="d"
    )
    assert await store.find_api_key("k" * 64, "dataset") == key
    assert await store.find_api_key("k" * 64, "app") is None


async def test_console_tokens(store) -> None:
    assert not await store.has_console_tokens()
    await store.add_console_token("c" * 64)
    await store.add_console_token("c" * 64)  # idempotent
    assert await store.has_console_tokens()
    assert await store.console_token_valid("c" * 64)
    assert not await store.console_token_valid("e" * 64)


async def test_runs_are_recorded_finished_and_app_scoped(store) -> None:
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    other, _, _ = await store.create_app(_new_app(ws, key_hash="o" * 64))
    now = float(int(time.time()))
    run = RunRecord(
        id=str(uuid.uuid4()), app_id=app.id, workflow_id=version.id, task_id=str(uuid.uuid4()),
        status="running", inputs={"query": "q", "n": [1, 2]}, user="u1", created_at=now,
    )  # fmt: skip
    await store.create_run(run)
    running = await store.get_run(app.id, run.id)
    assert running is not None and running.status == "running" and running.finished_at is None
    assert running.inputs == {"query": "q", "n": [1, 2]} and running.user == "u1"
    run.status, run.outputs, run.error = "failed", {"x": {"y": "ü"}}, "boom"
    run.elapsed_time, run.total_steps, run.total_tokens, run.finished_at = 1.5, 3, 7, now + 2
    await store.finish_run(run)
    done = await store.get_run(app.id, run.id)
    assert done is not None
    assert (done.status, done.outputs, done.error) == ("failed", {"x": {"y": "ü"}}, "boom")
    assert (done.elapsed_time, done.total_steps, done.total_tokens) == (1.5, 3, 7)
    assert done.created_at == now and done.finished_at == now + 2
    assert await store.get_run(other.id, run.id) is None
