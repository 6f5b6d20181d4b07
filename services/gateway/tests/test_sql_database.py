"""The SQLite engine's settings: a file database runs in WAL mode with foreign keys on."""

from __future__ import annotations

from riverflow.gateway.adapters.sql_database import make_engine
from sqlalchemy import text


async def test_a_sqlite_file_runs_in_wal_mode_with_normal_sync(tmp_path) -> None:
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "wal"
        assert (await conn.execute(text("PRAGMA synchronous"))).scalar() == 1  # NORMAL
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await engine.dispose()


async def test_an_in_memory_database_keeps_its_journal(tmp_path) -> None:
    engine = make_engine("sqlite+aiosqlite:///:memory:")
    async with engine.connect() as conn:
        assert (await conn.execute(text("PRAGMA journal_mode"))).scalar() == "memory"
        assert (await conn.execute(text("PRAGMA foreign_keys"))).scalar() == 1
    await engine.dispose()
