"""Apps as MCP servers, on SQLite and PostgreSQL: the console routes (roles, tenants, enable/disable,
a new URL code) and the real ``mcp`` client over streamable HTTP against the gateway on a real port."""

from __future__ import annotations

import json

import httpx
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError

PASSWORD = "river-pass-1"


async def _server(
    gateway, app_id: str, method: str = "POST", path: str = "", token: str | None = None, **body
):
    headers = gateway.auth(token) if token else gateway.console
    return await gateway.client.request(
        method, f"/console/api/apps/{app_id}/server{path}", json=body or None, headers=headers
    )


async def _session(gateway, email: str, role: str) -> str:
    added = await gateway.client.post(
        "/console/api/workspaces/current/members",
        json={"email": email, "password": PASSWORD, "role": role},
        headers=gateway.console,
    )
    assert added.status_code == 201, added.text
    login = await gateway.client.post("/console/api/login", json={"email": email, "password": PASSWORD})
    return login.json()["data"]["access_token"]


def _local(base: str, server_url: str) -> str:
    """The served copy's URL of ``server_url`` (the console answers with the ASGI test base URL)."""
    return base + server_url[server_url.index("/mcp/server/") :]


async def test_console_creates_updates_disables_and_refreshes_the_server(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    missing = await _server(gateway, app["id"], "GET")
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"
    created = await _server(
        gateway, app["id"], description="Echo a query", parameters={"query": "Text to echo"}
    )
    assert created.status_code == 201, created.text
    server = created.json()
    assert server["status"] == "active" and server["description"] == "Echo a query"
    assert server["server_url"].endswith(f"/mcp/server/{server['server_code']}/mcp")
    assert len(server["server_code"]) >= 24 and server["parameters"] == {"query": "Text to echo"}
    again = await _server(gateway, app["id"])
    assert again.status_code == 400 and again.json()["code"] == "bad_request"
    disabled = await _server(gateway, app["id"], "PUT", status="inactive")
    assert disabled.status_code == 200 and disabled.json()["status"] == "inactive"
    assert disabled.json()["server_code"] == server["server_code"]
    bad = await _server(gateway, app["id"], "PUT", status="paused")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_param"
    refreshed = await _server(gateway, app["id"], "POST", "/refresh")
    assert refreshed.status_code == 200 and refreshed.json()["server_code"] != server["server_code"]
    read = await _server(gateway, app["id"], "GET")
    assert read.json() == refreshed.json() | {"updated_at": read.json()["updated_at"]}
    assert read.json()["status"] == "inactive" and read.json()["description"] == "Echo a query"


async def test_console_roles_and_tenants_are_enforced(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    assert (await _server(gateway, app["id"])).status_code == 201
    viewer = await _session(gateway, "v@example.com", "viewer")
    editor = await _session(gateway, "e@example.com", "editor")
    assert (await _server(gateway, app["id"], "GET", token=viewer)).status_code == 200
    for method, path in (("PUT", ""), ("POST", "/refresh")):
        refused = await _server(gateway, app["id"], method, path, token=viewer, description="x")
        assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    changed = await _server(gateway, app["id"], "PUT", token=editor, description="by an editor")
    assert changed.status_code == 200 and changed.json()["description"] == "by an editor"
    owner = await _session(gateway, "o2@example.com", "owner")
    other = (
        await gateway.client.post("/console/api/workspaces", json={"name": "w2"}, headers=gateway.auth(owner))
    ).json()["id"]
    await gateway.client.post(
        "/console/api/workspaces/switch", json={"tenant_id": other}, headers=gateway.auth(owner)
    )
    for method, path in (("GET", ""), ("PUT", ""), ("POST", "/refresh"), ("POST", "")):
        hidden = await _server(gateway, app["id"], method, path, token=owner, description="stolen")
        assert hidden.status_code == 404 and hidden.json()["message"] == "App not found."
    assert (await _server(gateway, app["id"], "GET")).json()["description"] == "by an editor"


async def test_the_mcp_client_lists_and_calls_a_workflow_app(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    server = (await _server(gateway, app["id"], parameters={"query": "Text to echo"})).json()
    async with gateway.served() as base:
        for mode in ("auto", "legacy"):  # the 2026 protocol and the initialize handshake
            async with Client(_local(base, server["server_url"]), mode=mode) as client:
                tools = (await client.list_tools()).tools
                assert [t.name for t in tools] == ["echo"]
                assert tools[0].description == app["description"] or tools[0].description.startswith(
                    "This workflow"
                )
                assert tools[0].input_schema == {
                    "type": "object",
                    "properties": {"query": {"type": "string", "description": "Text to echo"}},
                    "required": ["query"],
                    "additionalProperties": False,
                }
                result = await client.call_tool("echo", {"query": f"river via {mode}"})
                assert not result.is_error
                assert json.loads(result.content[0].text) == {"query": f"river via {mode}"}
                assert result.structured_content == {"query": f"river via {mode}"}
    logs = await gateway.client.get("/v1/workflows/logs", headers=gateway.auth(app["api_key"]))
    runs = logs.json()["data"]
    assert len(runs) == 2 and {r["workflow_run"]["status"] for r in runs} == {"succeeded"}
    assert {r["created_by_end_user"]["session_id"] for r in runs} == {f"mcp-{server['id']}"}


async def test_bad_arguments_get_an_mcp_error_and_start_nothing(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    server = (await _server(gateway, app["id"])).json()
    async with gateway.served() as base, Client(_local(base, server["server_url"])) as client:
        for arguments, reason in (
            ({}, "query is required in input form"),
            ({"query": 42}, "query in input form must be a string"),
            ({"query": "x", "extra": 1}, "unknown argument(s) extra"),
        ):
            with pytest.raises(MCPError) as raised:
                await client.call_tool("echo", arguments)
            assert raised.value.code == types.INVALID_PARAMS and reason in raised.value.message
        with pytest.raises(MCPError) as unknown:
            await client.call_tool("not-echo", {"query": "x"})
        assert unknown.value.code == types.INVALID_PARAMS and "Unknown tool" in unknown.value.message
    assert (await gateway.row_counts())["workflow_runs"] == 0


async def test_a_chatflow_app_takes_its_query_and_inputs(gateway) -> None:
    app = await gateway.import_app("greeting_chatflow.yml")
    server = (await _server(gateway, app["id"], description="Greets")).json()
    async with gateway.served() as base, Client(_local(base, server["server_url"])) as client:
        tool = (await client.list_tools()).tools[0]
        assert tool.name == "greeting" and tool.description == "Greets"
        assert tool.input_schema["required"] == ["query"]
        assert tool.input_schema["properties"]["name"] == {
            "type": "string",
            "description": "Name",
            "maxLength": 48,
        }
        result = await client.call_tool("greeting", {"query": "hi", "name": "Ann"})
        assert not result.is_error and result.content[0].text == "Hello, Ann: hi"
        with pytest.raises(MCPError) as missing:
            await client.call_tool("greeting", {"name": "Ann"})
        assert missing.value.code == types.INVALID_PARAMS and "query is required" in missing.value.message


async def test_disabled_refreshed_unknown_and_deleted_servers_answer_404(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    server = (await _server(gateway, app["id"])).json()
    initialize = {
        "jsonrpc": "2.0",
        "id": 1,
        "method": "initialize",
        "params": {
            "protocolVersion": "2025-06-18",
            "capabilities": {},
            "clientInfo": {"name": "t", "version": "1"},
        },
    }
    headers = {"Accept": "application/json, text/event-stream"}
    async with gateway.served() as base, httpx.AsyncClient(base_url=base, headers=headers) as http:
        path = f"/mcp/server/{server['server_code']}/mcp"
        assert (await http.post(path, json=initialize)).status_code == 200
        await _server(gateway, app["id"], "PUT", status="inactive")
        off = await http.post(path, json=initialize)
        assert off.status_code == 404
        assert off.json() == {
            "code": "not_found",
            "message": "MCP server not found, or it is disabled.",
            "status": 404,
        }
        await _server(gateway, app["id"], "PUT", status="active")
        assert (await http.post(path, json=initialize)).status_code == 200
        await _server(gateway, app["id"], "POST", "/refresh")
        assert (await http.post(path, json=initialize)).status_code == 404
        assert (await http.post("/mcp/server/nope/mcp", json=initialize)).status_code == 404
        current = (await _server(gateway, app["id"], "GET")).json()["server_code"]
        assert (await http.post(f"/mcp/server/{current}/mcp", json=initialize)).status_code == 200
        deleted = await gateway.client.delete(f"/console/api/apps/{app['id']}", headers=gateway.console)
        assert deleted.status_code in (200, 204)
        assert (await http.post(f"/mcp/server/{current}/mcp", json=initialize)).status_code == 404
