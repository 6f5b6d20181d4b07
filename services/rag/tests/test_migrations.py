"""The rag metadata database's schema comes from Alembic: migrations match the models on SQLite and
PostgreSQL, and a database made by the old ``create_all`` start-up is adopted without losing rows."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from riverflow.rag.db import Base, DatasetRow, migrate, open_database
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import create_async_engine


def _differences(connection) -> list:
    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return compare_metadata(context, Base.metadata)


async def test_migrations_build_exactly_the_models_schema(rag_database_url) -> None:
    url, engine_args = rag_database_url
    engine, _ = await open_database(url, **engine_args)
    try:
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
            version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        await migrate(engine)  # a second start-up is a no-op
        async with engine.connect() as conn:
            again = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
        assert version == again and version
    finally:
        await engine.dispose()


async def test_a_database_from_before_migrations_is_adopted(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'legacy.sqlite'}"
    legacy = create_async_engine(url)
    # The tables of revision 0001 without Alembic's version table: what create_all used to leave.
    await migrate(legacy, "0001")
    async with legacy.begin() as conn:
        await conn.execute(text("DROP TABLE alembic_version"))
        await conn.execute(
            text(
                "INSERT INTO rag_datasets (id, workspace_id, name, description, provider, permission,"
                " indexing_technique, embedding_model, embedding_model_provider, retrieval_model, doc_form,"
                " created_by, created_at, updated_by, updated_at)"
                " VALUES ('d1', 'w', 'old', '', 'vendor', 'only_me', '', '', '', '{}', '', '', 1, '', 1)"
            )
        )
    await legacy.dispose()
    engine, sessions = await open_database(url)
    try:
        async with sessions() as session:
            assert (await session.scalars(select(DatasetRow.name))).all() == ["old"]
        async with engine.connect() as conn:
            assert await conn.run_sync(_differences) == []
    finally:
        await engine.dispose()
