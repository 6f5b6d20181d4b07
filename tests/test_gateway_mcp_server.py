"""Riverflow apps as MCP servers, over the real platform: gateway, orchestrator and agent processes on
JetStream, the shipped mock as the chat app's model. The official ``mcp`` client (streamable HTTP)
lists each app's tool and calls it; the call runs the published version like any Service API run."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import mcp_types as types
import pytest
from mcp import Client
from mcp.shared.exceptions import MCPError
from riverflow.mockllm import MockConfig, MockControl, MockServer

from tests.conftest import FIXTURES
from tests.platform import Platform, running_platform

pytestmark = pytest.mark.integration

APPS = Path(__file__).resolve().parents[1] / "services" / "gateway" / "tests" / "apps"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    if not FIXTURES.is_dir():
        pytest.skip(f"conformance fixtures not found at {FIXTURES}")
    work = tmp_path_factory.mktemp("mcp-server")
    with MockServer(MockConfig()) as mock:
        env = {"AGENT_DEFAULT_MODEL_BASE_URL": MockControl(mock.base_url).base_url, "AGENT_HEALTH_PORT": "0"}
        with running_platform(work, ("orchestrator", "agent"), env) as running:
            yield running


def _expose(platform: Platform, dsl: Path, **body) -> tuple[dict, str]:
    """Import the app and turn its MCP server on; returns the app and the server's URL."""
    app = platform.import_app(dsl)
    response = httpx.post(
        f"{platform.base_url}/console/api/apps/{app['id']}/server",
        json=body,
        headers={"Authorization": f"Bearer {Platform.CONSOLE_TOKEN}"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    url = response.json()["server_url"]
    assert url == f"{platform.base_url}/mcp/server/{response.json()['server_code']}/mcp"
    return app, url


async def test_a_workflow_app_is_an_mcp_tool(platform: Platform) -> None:
    app, url = _expose(platform, FIXTURES / "simple_passthrough_workflow.yml", description="Echo text back")
    async with Client(url) as client:
        tools = (await client.list_tools()).tools
        assert [(t.name, t.description) for t in tools] == [("echo", "Echo text back")]
        assert tools[0].input_schema["required"] == ["query"]
        result = await client.call_tool("echo", {"query": "Hello, river"})
        assert not result.is_error and json.loads(result.content[0].text) == {"query": "Hello, river"}
        with pytest.raises(MCPError) as bad:
            await client.call_tool("echo", {"query": ["not", "text"]})
        assert bad.value.code == types.INVALID_PARAMS and "must be a string" in bad.value.message
    logs = httpx.get(
        f"{platform.base_url}/v1/workflows/logs",
        headers={"Authorization": f"Bearer {app['api_key']}"},
        timeout=30,
    ).json()
    assert [r["workflow_run"]["status"] for r in logs["data"]] == ["succeeded"]  # the bad call ran nothing


async def test_a_chat_app_answers_through_the_agent(platform: Platform) -> None:
    _, url = _expose(platform, APPS / "assistant_chat.yml", parameters={"team": "Who is asking"})
    async with Client(url, mode="legacy") as client:  # the initialize handshake, as most clients do
        tool = (await client.list_tools()).tools[0]
        assert tool.name == "assistant" and tool.description == "a plain chat assistant"
        assert tool.input_schema["properties"]["team"] == {
            "type": "string",
            "description": "Who is asking",
            "maxLength": 40,
        }
        assert sorted(tool.input_schema["required"]) == ["query", "team"]
        result = await client.call_tool("assistant", {"query": "hello over mcp", "team": "ops"})
        assert not result.is_error and result.content[0].text == "hello over mcp"  # the mock echoes
        with pytest.raises(MCPError) as bad:
            await client.call_tool("assistant", {"query": "hi"})
        assert bad.value.code == types.INVALID_PARAMS and "Team is required" in bad.value.message


async def test_a_disabled_server_is_not_found(platform: Platform) -> None:
    app, url = _expose(platform, FIXTURES / "simple_passthrough_workflow.yml")
    changed = httpx.put(
        f"{platform.base_url}/console/api/apps/{app['id']}/server",
        json={"status": "inactive"},
        headers={"Authorization": f"Bearer {Platform.CONSOLE_TOKEN}"},
        timeout=30,
    )
    assert changed.status_code == 200
    response = httpx.post(url, json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, timeout=30)
    assert response.status_code == 404 and response.json()["code"] == "not_found"
