"""The SQLite engine's settings: a file database runs in WAL mode with foreign keys on."""

from __future__ import annotations

import asyncio

from riverflow.gateway.adapters.sql_database import make_engine
from sqlalchemy import event, text


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


async def test_a_sqlite_file_reuses_the_connections_of_concurrent_requests(tmp_path) -> None:
    """Connections beyond the pool are closed on return and reopened (~2 ms of CPU each): twelve
    requests at once, three times over, open twelve connections, not one per request."""
    engine = make_engine(f"sqlite+aiosqlite:///{tmp_path / 'db.sqlite'}")
    opened: list[object] = []
    event.listen(engine.sync_engine, "connect", lambda conn, _: opened.append(conn))

    async def query() -> None:
        async with engine.connect() as conn:
            await conn.execute(text("SELECT 1"))
            await asyncio.sleep(0.01)  # all twelve hold a connection at once

    try:
        for _ in range(3):
            await asyncio.gather(*(query() for _ in range(12)))
        assert len(opened) == 12
    finally:
        await engine.dispose()
