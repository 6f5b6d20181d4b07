"""The in-memory store's MCP servers (one per app), a mixin of ``InMemoryStore``."""

from __future__ import annotations

import dataclasses
import time
from typing import Any

from riverflow.gateway.mcp_records import McpServerRecord

__all__ = ["InMemoryMcpServers"]

_FIELDS = {"status", "description", "parameters", "server_code"}


class InMemoryMcpServers:
    apps: dict[str, Any]

    def __init__(self) -> None:
        self.mcp_servers: dict[str, McpServerRecord] = {}  # app id -> record

    async def create_mcp_server(self, server: McpServerRecord) -> McpServerRecord:
        if server.app_id not in self.apps:
            raise ValueError(f"unknown app {server.app_id}")
        if server.app_id in self.mcp_servers or await self.find_mcp_server(server.server_code):
            raise ValueError(f"app {server.app_id} already has an MCP server")
        now = time.time()
        record = dataclasses.replace(
            server,
            parameters=dict(server.parameters),
            created_at=server.created_at or now,
            updated_at=server.updated_at or now,
        )
        self.mcp_servers[server.app_id] = record
        return record

    async def get_mcp_server(self, app_id: str) -> McpServerRecord | None:
        return self.mcp_servers.get(app_id)

    async def find_mcp_server(self, server_code: str) -> McpServerRecord | None:
        return next((s for s in self.mcp_servers.values() if s.server_code == server_code), None)

    async def update_mcp_server(self, app_id: str, /, **fields: Any) -> McpServerRecord | None:
        unknown = set(fields) - _FIELDS
        if unknown:
            raise ValueError(f"not MCP server fields: {sorted(unknown)}")
        found = self.mcp_servers.get(app_id)
        if found is None:
            return None
        if "parameters" in fields:
            fields["parameters"] = dict(fields["parameters"])
        record = dataclasses.replace(found, **fields, updated_at=time.time())
        self.mcp_servers[app_id] = record
        return record
