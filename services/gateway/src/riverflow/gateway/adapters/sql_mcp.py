"""The SQL store's MCP servers (one per app), a mixin of ``SqlStore``."""

from __future__ import annotations

from typing import Any

from riverflow.gateway.adapters import sql_models_mcp as t
from riverflow.gateway.adapters.sql_convert import dt, now, ts
from riverflow.gateway.mcp_records import McpServerRecord
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["SqlMcpServers"]

_FIELDS = {"status", "description", "parameters", "server_code"}


def _record(row: t.McpServer) -> McpServerRecord:
    return McpServerRecord(
        row.id,
        row.app_id,
        row.workspace_id,
        row.server_code,
        row.status,
        row.description,
        dict(row.parameters or {}),
        ts(row.created_at) or 0.0,
        ts(row.updated_at) or 0.0,
    )


class SqlMcpServers:
    _session: async_sessionmaker[AsyncSession]

    async def create_mcp_server(self, server: McpServerRecord) -> McpServerRecord:
        row = t.McpServer(
            id=server.id,
            app_id=server.app_id,
            workspace_id=server.workspace_id,
            server_code=server.server_code,
            status=server.status,
            description=server.description,
            parameters=dict(server.parameters),
            created_at=dt(server.created_at) if server.created_at else now(),
            updated_at=dt(server.updated_at) if server.updated_at else now(),
        )
        try:
            async with self._session.begin() as session:
                session.add(row)
        except IntegrityError:
            raise ValueError(f"app {server.app_id} already has an MCP server") from None
        return _record(row)

    async def get_mcp_server(self, app_id: str) -> McpServerRecord | None:
        async with self._session() as session:
            row = await session.scalar(select(t.McpServer).where(t.McpServer.app_id == app_id))
            return None if row is None else _record(row)

    async def find_mcp_server(self, server_code: str) -> McpServerRecord | None:
        async with self._session() as session:
            row = await session.scalar(select(t.McpServer).where(t.McpServer.server_code == server_code))
            return None if row is None else _record(row)

    async def update_mcp_server(self, app_id: str, /, **fields: Any) -> McpServerRecord | None:
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"not MCP server fields: {sorted(unknown)}")
        async with self._session.begin() as session:
            row = await session.scalar(select(t.McpServer).where(t.McpServer.app_id == app_id))
            if row is None:
                return None
            for name, value in fields.items():
                setattr(row, name, dict(value) if name == "parameters" else value)
            row.updated_at = now()
            await session.flush()
            return _record(row)
