"""Async engine creation and programmatic Alembic upgrades (migrations ship inside the package)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

__all__ = ["make_engine", "migrate", "MIGRATIONS_DIR"]

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def make_engine(url: str, **kwargs: Any) -> AsyncEngine:
    """An async engine; SQLite gets its directory created, foreign keys on, and WAL for files."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            # SQLAlchemy's default (5, and 10 more opened when needed and closed when returned)
            # reopened ~85 connections per 1,000 runs at 10 clients, ~2 ms of CPU each. 15 kept
            # open, none beyond: the same most at once as before, since more concurrent writers
            # only queue for SQLite's one write lock (20 + 10 doubled the first SSE event's
            # p50 at 100 clients).
            kwargs.setdefault("pool_size", 15)
            kwargs.setdefault("max_overflow", 0)
        # Writers queue for SQLite's one write lock; under a burst (a thousand chats opening at
        # once) a commit can wait seconds behind the event loop, so wait up to 30 s, not 5.
        kwargs.setdefault("connect_args", {}).setdefault("timeout", 30.0)
        engine = create_async_engine(url, **kwargs)

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            if path and path != ":memory:":
                # WAL: readers never wait for the writer, and a commit is one append to the WAL
                # instead of a rollback journal rewritten and fsynced per transaction. NORMAL
                # syncs at checkpoints: a process crash loses nothing, a power loss may lose the
                # last commits (the same trade as JetStream's sync interval).
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    return create_async_engine(url, pool_pre_ping=True, **kwargs)


def _config(connection: Connection) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """``alembic upgrade <revision>`` on ``engine``, in one transaction."""
    async with engine.begin() as conn:
        await conn.run_sync(lambda sync_conn: command.upgrade(_config(sync_conn), revision))
