"""``Store`` on SQLAlchemy 2 async (SQLite or PostgreSQL), one transaction per call."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from riverflow.gateway.adapters import sql_models as m
from riverflow.gateway.records import ApiKeyRecord, AppRecord, NewApp, RunRecord, VersionRecord
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

__all__ = ["SqlStore"]


def _now() -> datetime:
    return datetime.now(UTC)


def _ts(value: datetime | None) -> float | None:
    if value is None:
        return None
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were written as UTC
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def _dt(value: float | None) -> datetime | None:
    return None if value is None else datetime.fromtimestamp(value, UTC)


def _app(row: m.App) -> AppRecord:
    return AppRecord(
        row.id, row.workspace_id, row.name, row.mode, row.description, row.icon, _ts(row.created_at)
    )


def _version(row: m.AppVersion) -> VersionRecord:
    return VersionRecord(row.id, row.app_id, row.version, row.dsl, row.published, _ts(row.created_at))


def _key(row: m.ApiKey) -> ApiKeyRecord:
    return ApiKeyRecord(
        row.id, row.type, row.prefix, row.workspace_id, row.app_id, _ts(row.created_at), row.revoked
    )


def _run(row: m.WorkflowRun) -> RunRecord:
    return RunRecord(
        id=row.id,
        app_id=row.app_id,
        workflow_id=row.workflow_id,
        task_id=row.task_id,
        status=row.status,
        inputs=row.inputs,
        user=row.created_by,
        created_at=_ts(row.created_at),
        outputs=row.outputs,
        error=row.error,
        elapsed_time=row.elapsed_time,
        total_steps=row.total_steps,
        total_tokens=row.total_tokens,
        finished_at=_ts(row.finished_at),
    )


class SqlStore:
    """The SQL store; the schema comes from the package's Alembic migrations."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._session = async_sessionmaker(engine, expire_on_commit=False)

    async def ensure_workspace(self, name: str = "default") -> str:
        async with self._session.begin() as session:
            found = await session.scalar(select(m.Workspace).where(m.Workspace.name == name).limit(1))
            if found is not None:
                return found.id
            workspace = m.Workspace(id=str(uuid.uuid4()), name=name, created_at=_now())
            session.add(workspace)
            return workspace.id

    async def create_app(self, new: NewApp) -> tuple[AppRecord, VersionRecord, ApiKeyRecord]:
        now = _now()
        app = m.App(
            id=str(uuid.uuid4()),
            workspace_id=new.workspace_id,
            name=new.name,
            mode=new.mode,
            description=new.description,
            icon=new.icon,
            created_at=now,
        )
        version = m.AppVersion(
            id=str(uuid.uuid4()), app_id=app.id, version=1, dsl=new.dsl, published=True, created_at=now
        )
        key = m.ApiKey(
            id=str(uuid.uuid4()),
            type="app",
            key_hash=new.key_hash,
            prefix=new.key_prefix,
            workspace_id=new.workspace_id,
            app_id=app.id,
            created_at=now,
            revoked=False,
        )
        async with self._session.begin() as session:
            session.add(app)
            await session.flush()
            session.add_all([version, key])
        return _app(app), _version(version), _key(key)

    async def list_apps(self, workspace_id: str) -> list[AppRecord]:
        async with self._session() as session:
            rows = await session.scalars(
                select(m.App).where(m.App.workspace_id == workspace_id).order_by(m.App.created_at, m.App.id)
            )
            return [_app(row) for row in rows]

    async def get_app(self, app_id: str) -> AppRecord | None:
        async with self._session() as session:
            row = await session.get(m.App, app_id)
            return None if row is None else _app(row)

    async def published_version(self, app_id: str) -> VersionRecord | None:
        async with self._session() as session:
            row = await session.scalar(
                select(m.AppVersion)
                .where(m.AppVersion.app_id == app_id, m.AppVersion.published.is_(True))
                .order_by(m.AppVersion.version.desc())
                .limit(1)
            )
            return None if row is None else _version(row)

    async def create_api_key(
        self, *, type: str, workspace_id: str, app_id: str | None, key_hash: str, prefix: str
    ) -> ApiKeyRecord:
        row = m.ApiKey(
            id=str(uuid.uuid4()),
            type=type,
            key_hash=key_hash,
            prefix=prefix,
            workspace_id=workspace_id,
            app_id=app_id,
            created_at=_now(),
            revoked=False,
        )
        async with self._session.begin() as session:
            session.add(row)
        return _key(row)

    async def find_api_key(self, key_hash: str, type: str) -> ApiKeyRecord | None:
        async with self._session() as session:
            row = await session.scalar(
                select(m.ApiKey).where(
                    m.ApiKey.key_hash == key_hash, m.ApiKey.type == type, m.ApiKey.revoked.is_(False)
                )
            )
            return None if row is None else _key(row)

    async def add_console_token(self, token_hash: str) -> None:
        async with self._session.begin() as session:
            query = select(m.ConsoleToken).where(m.ConsoleToken.token_hash == token_hash)
            found = await session.scalar(query)
            if found is None:
                session.add(m.ConsoleToken(id=str(uuid.uuid4()), token_hash=token_hash, created_at=_now()))

    async def has_console_tokens(self) -> bool:
        async with self._session() as session:
            count = await session.scalar(
                select(func.count()).select_from(m.ConsoleToken).where(m.ConsoleToken.revoked.is_(False))
            )
            return bool(count)

    async def console_token_valid(self, token_hash: str) -> bool:
        async with self._session() as session:
            found = await session.scalar(
                select(m.ConsoleToken.id).where(
                    m.ConsoleToken.token_hash == token_hash, m.ConsoleToken.revoked.is_(False)
                )
            )
            return found is not None

    async def create_run(self, run: RunRecord) -> None:
        async with self._session.begin() as session:
            session.add(
                m.WorkflowRun(
                    id=run.id,
                    app_id=run.app_id,
                    workflow_id=run.workflow_id,
                    task_id=run.task_id,
                    status=run.status,
                    inputs=run.inputs,
                    outputs=run.outputs,
                    error=run.error,
                    elapsed_time=run.elapsed_time,
                    total_steps=run.total_steps,
                    total_tokens=run.total_tokens,
                    created_by=run.user,
                    created_at=_dt(run.created_at),
                    finished_at=_dt(run.finished_at),
                )
            )

    async def finish_run(self, run: RunRecord) -> None:
        async with self._session.begin() as session:
            row = await session.get(m.WorkflowRun, run.id)
            if row is None:
                return
            row.status, row.outputs, row.error = run.status, run.outputs, run.error
            row.elapsed_time, row.total_steps, row.total_tokens = (
                run.elapsed_time,
                run.total_steps,
                run.total_tokens,
            )
            row.finished_at = _dt(run.finished_at)

    async def get_run(self, app_id: str, run_id: str) -> RunRecord | None:
        async with self._session() as session:
            row = await session.scalar(
                select(m.WorkflowRun).where(m.WorkflowRun.id == run_id, m.WorkflowRun.app_id == app_id)
            )
            return None if row is None else _run(row)
