"""Migration 0004 on SQLite and PostgreSQL: conversations and messages written before it (when
nothing told a console debug run's from an end user's) become the Service API's (``api``)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from riverflow.gateway.adapters.sql_database import make_engine, migrate
from riverflow.gateway.adapters.sql_store import SqlStore
from riverflow.gateway.records import NewApp
from sqlalchemy.ext.asyncio import AsyncEngine

from .conftest import _postgres_engine

_TS = sa.DateTime(timezone=True)
#: The tables as revision 0003 left them (the models have the new columns).
_CONVERSATIONS = sa.table(
    "conversations",
    *(sa.column(name) for name in ("id", "app_id", "user", "name", "status", "introduction")),
    *(sa.column(name, sa.JSON) for name in ("inputs", "variables")),
    sa.column("dialogue_count", sa.Integer),
    *(sa.column(name, _TS) for name in ("created_at", "updated_at")),
)
_MESSAGES = sa.table(
    "messages",
    *(sa.column(n) for n in ("id", "app_id", "conversation_id", "user", "run_id", "task_id", "mode")),
    *(sa.column(n) for n in ("query", "answer", "status")),
    *(sa.column(n, sa.JSON) for n in ("inputs", "message_files", "usage", "retriever_resources")),
    sa.column("agent_thoughts", sa.JSON),
    sa.column("created_at", _TS),
)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    admin = schema = None
    if request.param == "postgres":
        engine, admin, schema = await _postgres_engine(request.getfixturevalue("postgres_url"))
    else:
        engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'gateway.db'}")
    try:
        yield engine
    finally:
        await engine.dispose()
        if admin is not None:
            async with admin.begin() as conn:
                await conn.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
            await admin.dispose()


async def test_rows_from_before_0004_are_the_service_apis(engine: AsyncEngine) -> None:
    await migrate(engine, "0003")
    store = SqlStore(engine)
    ws = await store.ensure_workspace()
    app, _, _ = await store.create_app(NewApp(ws, "chat", "advanced-chat", "", "", "app: {}", None))
    conversation_id, message_id, now = str(uuid.uuid4()), str(uuid.uuid4()), datetime.now(UTC)
    async with engine.begin() as conn:
        await conn.execute(
            _CONVERSATIONS.insert().values(
                id=conversation_id,
                app_id=app.id,
                user="console",
                name="old",
                status="normal",
                introduction="",
                inputs={},
                variables={},
                dialogue_count=1,
                created_at=now,
                updated_at=now,
            )
        )
        await conn.execute(
            _MESSAGES.insert().values(
                id=message_id,
                app_id=app.id,
                conversation_id=conversation_id,
                user="console",
                run_id=str(uuid.uuid4()),
                task_id="t",
                mode="advanced-chat",
                query="q",
                answer="a",
                status="normal",
                inputs={},
                message_files=[],
                usage={},
                retriever_resources=[],
                agent_thoughts=[],
                created_at=now,
            )
        )
    await migrate(engine)
    store = SqlStore(engine)
    conversation = await store.get_conversation(app.id, conversation_id)
    assert (conversation.name, conversation.from_source, conversation.from_account_id) == ("old", "api", None)
    message = await store.get_message(app.id, message_id)
    assert (message.answer, message.from_source, message.from_account_id) == ("a", "api", None)
    page, _ = await store.list_conversations(app.id, "console", last_id=None, limit=5, sort_by="-updated_at")
    assert [c.id for c in page] == [conversation_id]
