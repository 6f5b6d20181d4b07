"""The stores' MCP servers: the same behaviour in memory, on SQLite and on PostgreSQL (migration 0003)."""

from __future__ import annotations

import dataclasses

import pytest
from riverflow.gateway.mcp_records import McpServerRecord, new_server_code
from riverflow.gateway.records import NewApp

from .conftest import STORES

pytestmark = pytest.mark.parametrize("store", STORES, indirect=True)


async def _server(store, key_hash: str) -> McpServerRecord:
    ws = await store.ensure_workspace()
    new = NewApp(ws, "echo", "workflow", "", "", "app:\n  mode: workflow\n", key_hash, "app-abcd")
    app, _, _ = await store.create_app(new)
    return McpServerRecord("id-" + key_hash[:8], app.id, ws, new_server_code(), "active", "d", {"q": "x"})


async def test_one_server_per_app_found_by_code_and_updated(store) -> None:
    server = await _server(store, "a" * 64)
    created = await store.create_mcp_server(server)
    assert created.created_at > 0 and dataclasses.replace(created, created_at=0.0, updated_at=0.0) == server
    assert await store.get_mcp_server(server.app_id) == created
    assert await store.find_mcp_server(server.server_code) == created
    assert await store.find_mcp_server("unknown") is None and await store.get_mcp_server("unknown") is None
    with pytest.raises(ValueError):
        await store.create_mcp_server(dataclasses.replace(server, id="other", server_code=new_server_code()))
    code = new_server_code()
    updated = await store.update_mcp_server(server.app_id, status="inactive", server_code=code, parameters={})
    assert (updated.status, updated.server_code, updated.parameters) == ("inactive", code, {})
    assert updated.description == "d" and updated.updated_at >= created.updated_at
    assert await store.find_mcp_server(server.server_code) is None
    assert await store.find_mcp_server(code) == updated
    assert await store.update_mcp_server("unknown", status="active") is None
    with pytest.raises(ValueError):
        await store.update_mcp_server(server.app_id, app_id="stolen")
    other = await _server(store, "b" * 64)
    with pytest.raises(ValueError):  # codes are unique across apps
        await store.create_mcp_server(dataclasses.replace(other, server_code=code))
    assert await store.get_mcp_server(other.app_id) is None


async def test_a_server_needs_an_existing_app(store) -> None:
    ws = await store.ensure_workspace()
    with pytest.raises(ValueError):
        await store.create_mcp_server(
            McpServerRecord("x", "no-such-app", ws, new_server_code(), "active", "")
        )
