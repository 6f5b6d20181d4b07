"""``Store`` on SQLAlchemy 2 async (SQLite or PostgreSQL), one transaction per call."""

from __future__ import annotations

import dataclasses
import uuid
from collections import OrderedDict
from typing import Any

from riverflow.gateway.adapters import sql_models as m
from riverflow.gateway.adapters.sql_accounts import SqlAccounts
from riverflow.gateway.adapters.sql_chat import SqlChat
from riverflow.gateway.adapters.sql_convert import now, ts
from riverflow.gateway.adapters.sql_generation import SqlGeneration
from riverflow.gateway.adapters.sql_mcp import SqlMcpServers
from riverflow.gateway.adapters.sql_runs import SqlRuns
from riverflow.gateway.group_commit import GroupCommit
from riverflow.gateway.records import (
    ApiKeyRecord,
    AppRecord,
    DraftRecord,
    KeyGrant,
    NewApp,
    VersionRecord,
    WorkspaceRecord,
)
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

__all__ = ["SqlStore"]


def _app(row: m.App) -> AppRecord:
    return AppRecord(
        row.id,
        row.workspace_id,
        row.name,
        row.mode,
        row.description,
        row.icon,
        ts(row.created_at),
        row.status,
        row.enable_api,
        ts(row.updated_at),
    )


def _version(row: m.AppVersion) -> VersionRecord:
    return VersionRecord(row.id, row.app_id, row.version, row.dsl, row.published, ts(row.created_at))


def _key(row: m.ApiKey) -> ApiKeyRecord:
    return ApiKeyRecord(
        row.id,
        row.type,
        row.prefix,
        row.workspace_id,
        row.app_id,
        ts(row.created_at),
        row.revoked,
        ts(row.last_used_at),
    )


def _workspace(row: m.Workspace) -> WorkspaceRecord:
    return WorkspaceRecord(row.id, row.name, ts(row.created_at), row.status)


_VERSIONS_KEPT = 256

#: Every Service API request's key check: built once, not on every request.
_KEY_GRANT = (
    select(
        m.ApiKey,
        m.Workspace,
        m.App,
        select(m.AppVersion.id)
        .where(m.AppVersion.app_id == m.App.id, m.AppVersion.published.is_(True))
        .order_by(m.AppVersion.version.desc())
        .limit(1)
        .scalar_subquery(),
    )
    .outerjoin(m.Workspace, m.Workspace.id == m.ApiKey.workspace_id)
    .outerjoin(m.App, m.App.id == m.ApiKey.app_id)
    .where(
        m.ApiKey.key_hash == bindparam("key_hash"),
        m.ApiKey.type == bindparam("type"),
        m.ApiKey.revoked.is_(False),
    )
)

_APP_FIELDS = {"name", "description", "icon", "enable_api"}


class SqlStore(SqlGeneration, SqlRuns, SqlChat, SqlAccounts, SqlMcpServers):
    """The SQL store; the schema comes from the package's Alembic migrations."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self._session = async_sessionmaker(engine, expire_on_commit=False)
        self._openings = GroupCommit(self._write_openings, retry_alone=True)
        self._end_users = OrderedDict()
        self._versions: OrderedDict[str, VersionRecord] = OrderedDict()

    # -- workspaces ---------------------------------------------------------------------------

    async def ensure_workspace(self, name: str = "default") -> str:
        async with self._session.begin() as session:
            found = await session.scalar(select(m.Workspace).where(m.Workspace.name == name).limit(1))
            if found is not None:
                return found.id
            workspace = m.Workspace(id=str(uuid.uuid4()), name=name, created_at=now(), status="normal")
            session.add(workspace)
            return workspace.id

    async def create_workspace(self, name: str) -> WorkspaceRecord:
        row = m.Workspace(id=str(uuid.uuid4()), name=name, created_at=now(), status="normal")
        async with self._session.begin() as session:
            session.add(row)
        return _workspace(row)

    async def get_workspace(self, workspace_id: str) -> WorkspaceRecord | None:
        async with self._session() as session:
            row = await session.get(m.Workspace, workspace_id)
            return None if row is None else _workspace(row)

    # -- apps and versions ----------------------------------------------------------------------

    async def create_app(self, new: NewApp) -> tuple[AppRecord, VersionRecord, ApiKeyRecord | None]:
        at = now()
        app = m.App(
            id=str(uuid.uuid4()),
            workspace_id=new.workspace_id,
            name=new.name,
            mode=new.mode,
            description=new.description,
            icon=new.icon,
            created_at=at,
            status="normal",
            enable_api=True,
            updated_at=at,
            draft_dsl=new.dsl,
            draft_updated_at=at,
        )
        version = m.AppVersion(
            id=str(uuid.uuid4()), app_id=app.id, version=1, dsl=new.dsl, published=True, created_at=at
        )
        key = None
        if new.key_hash is not None:
            key = m.ApiKey(
                id=str(uuid.uuid4()),
                type="app",
                key_hash=new.key_hash,
                prefix=new.key_prefix,
                workspace_id=new.workspace_id,
                app_id=app.id,
                created_at=at,
                revoked=False,
            )
        async with self._session.begin() as session:
            session.add(app)
            await session.flush()
            session.add_all([version] + ([key] if key is not None else []))
        return _app(app), _version(version), _key(key) if key is not None else None

    async def list_apps(self, workspace_id: str) -> list[AppRecord]:
        async with self._session() as session:
            rows = await session.scalars(
                select(m.App)
                .where(m.App.workspace_id == workspace_id, m.App.status != "deleted")
                .order_by(m.App.created_at, m.App.id)
            )
            return [_app(row) for row in rows]

    async def get_app(self, app_id: str) -> AppRecord | None:
        async with self._session() as session:
            row = await session.get(m.App, app_id)
            return None if row is None else _app(row)

    async def update_app(self, app_id: str, **fields: Any) -> AppRecord | None:
        unknown = set(fields) - _APP_FIELDS
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        async with self._session.begin() as session:
            row = await session.get(m.App, app_id)
            if row is None or row.status == "deleted":
                return None
            for name, value in fields.items():
                setattr(row, name, value)
            row.updated_at = now()
            return _app(row)

    async def delete_app(self, app_id: str) -> bool:
        async with self._session.begin() as session:
            row = await session.get(m.App, app_id)
            if row is None or row.status == "deleted":
                return False
            row.status, row.updated_at = "deleted", now()
            await session.execute(update(m.ApiKey).where(m.ApiKey.app_id == app_id).values(revoked=True))
            return True

    async def published_version(self, app_id: str) -> VersionRecord | None:
        async with self._session() as session:
            row = await session.scalar(
                select(m.AppVersion)
                .where(m.AppVersion.app_id == app_id, m.AppVersion.published.is_(True))
                .order_by(m.AppVersion.version.desc())
                .limit(1)
            )
            return None if row is None else _version(row)

    async def get_version(self, app_id: str, version_id: str) -> VersionRecord | None:
        # A version never changes once written: the ones read are kept (bounded), so a run of the
        # published version named by the key check reads no version row.
        version = self._versions.get(version_id)
        if version is None:
            async with self._session() as session:
                row = await session.get(m.AppVersion, version_id)
            if row is None:
                return None
            version = self._versions[version_id] = _version(row)
            while len(self._versions) > _VERSIONS_KEPT:
                self._versions.popitem(last=False)
        return version if version.app_id == app_id else None

    async def list_versions(self, app_id: str) -> list[VersionRecord]:
        async with self._session() as session:
            rows = await session.scalars(
                select(m.AppVersion)
                .where(m.AppVersion.app_id == app_id)
                .order_by(m.AppVersion.version.desc())
            )
            return [_version(row) for row in rows]

    async def publish(self, app_id: str, dsl: str) -> VersionRecord:
        async with self._session.begin() as session:
            if await session.get(m.App, app_id) is None:
                raise LookupError(f"unknown app {app_id}")
            latest = await session.scalar(
                select(func.max(m.AppVersion.version)).where(m.AppVersion.app_id == app_id)
            )
            row = m.AppVersion(
                id=str(uuid.uuid4()),
                app_id=app_id,
                version=(latest or 0) + 1,
                dsl=dsl,
                published=True,
                created_at=now(),
            )
            session.add(row)
        return _version(row)

    async def get_draft(self, app_id: str) -> DraftRecord | None:
        async with self._session() as session:
            row = await session.get(m.App, app_id)
            if row is None or row.draft_dsl is None:
                return None
            return DraftRecord(app_id, row.draft_dsl, ts(row.draft_updated_at) or ts(row.created_at))

    async def save_draft(self, app_id: str, dsl: str) -> DraftRecord:
        async with self._session.begin() as session:
            row = await session.get(m.App, app_id)
            if row is None:
                raise LookupError(f"unknown app {app_id}")
            row.draft_dsl, row.draft_updated_at = dsl, now()
            return DraftRecord(app_id, dsl, ts(row.draft_updated_at))

    # -- keys and console tokens ----------------------------------------------------------------

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
            created_at=now(),
            revoked=False,
        )
        async with self._session.begin() as session:
            session.add(row)
        return _key(row)

    async def find_key_grant(self, key_hash: str, type: str) -> KeyGrant | None:
        async with self._session() as session:
            found = (await session.execute(_KEY_GRANT, {"key_hash": key_hash, "type": type})).first()
            if found is None:
                return None
            key, workspace, app, published_id = found
            return KeyGrant(
                _key(key),
                None if workspace is None else _workspace(workspace),
                None if app is None else dataclasses.replace(_app(app), published_version_id=published_id),
            )

    async def list_api_keys(self, workspace_id: str, type: str, app_id: str | None) -> list[ApiKeyRecord]:
        async with self._session() as session:
            rows = await session.scalars(
                select(m.ApiKey)
                .where(
                    m.ApiKey.workspace_id == workspace_id,
                    m.ApiKey.type == type,
                    m.ApiKey.app_id.is_(None) if app_id is None else m.ApiKey.app_id == app_id,
                    m.ApiKey.revoked.is_(False),
                )
                .order_by(m.ApiKey.created_at, m.ApiKey.id)
            )
            return [_key(row) for row in rows]

    async def revoke_api_key(self, key_id: str, workspace_id: str, app_id: str | None) -> bool:
        async with self._session.begin() as session:
            row = await session.get(m.ApiKey, key_id)
            if row is None or row.revoked or row.workspace_id != workspace_id or row.app_id != app_id:
                return False
            row.revoked = True
            return True

    async def add_console_token(self, token_hash: str) -> None:
        async with self._session.begin() as session:
            query = select(m.ConsoleToken).where(m.ConsoleToken.token_hash == token_hash)
            if await session.scalar(query) is None:
                session.add(m.ConsoleToken(id=str(uuid.uuid4()), token_hash=token_hash, created_at=now()))

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
