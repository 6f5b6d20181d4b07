"""The ``ToolProvider`` port, once for every implementation: in-memory, built-ins, OpenAPI over HTTP, MCP."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Header, HTTPException
from riverflow.agent.adapters.http_fetch import HttpFetcher
from riverflow.agent.ports import ToolError, ToolProvider, ToolResult, ToolSpec
from riverflow.agent.reference import InMemoryToolProvider
from riverflow.agent.tools.builtin import BuiltinToolProvider
from riverflow.agent.tools.mcp import McpToolProvider
from riverflow.agent.tools.openapi import OpenApiToolProvider

MCP_SERVER = '''
from mcp.server.mcpserver import MCPServer

server = MCPServer("demo")


@server.tool()
def add(a: int, b: int) -> str:
    """Add two integers."""
    return str(a + b)


import sys

if len(sys.argv) > 1:  # a port: serve streamable HTTP on 127.0.0.1 instead of stdio
    server.run("streamable-http", host="127.0.0.1", port=int(sys.argv[1]))
else:
    server.run()
'''


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _weather_api() -> FastAPI:
    app = FastAPI()
    app.state.calls = []

    @app.get("/weather/{city}")
    async def weather(
        city: str, unit: str = "C", x_api_key: str | None = Header(default=None)
    ) -> dict[str, Any]:
        if x_api_key != "secret":
            raise HTTPException(401, "bad key")
        app.state.calls.append(("weather", city, unit))
        return {"city": city, "unit": unit, "temp": 21}

    @app.post("/notes")
    async def notes(body: dict[str, Any], x_api_key: str | None = Header(default=None)) -> dict[str, Any]:
        app.state.calls.append(("notes", body))
        return {"saved": body.get("text")}

    return app


def openapi_spec(base_url: str) -> dict[str, Any]:
    return {
        "openapi": "3.0.3",
        "info": {"title": "weather", "version": "1"},
        "servers": [{"url": base_url}],
        "components": {
            "schemas": {
                "Note": {"type": "object", "properties": {"text": {"type": "string"}}, "required": ["text"]}
            }
        },
        "paths": {
            "/weather/{city}": {
                "get": {
                    "operationId": "get_weather",
                    "summary": "Current weather of a city",
                    "parameters": [
                        {"name": "city", "in": "path", "required": True, "schema": {"type": "string"}},
                        {"name": "unit", "in": "query", "schema": {"type": "string", "enum": ["C", "F"]}},
                    ],
                }
            },
            "/notes": {
                "post": {
                    "operationId": "add_note",
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Note"}}},
                    },
                }
            },
        },
    }


@pytest.fixture(scope="module")
def weather_server() -> Iterator[tuple[str, FastAPI]]:
    app = _weather_api()
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}", app
    server.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def mcp_script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("mcp") / "server.py"
    path.write_text(MCP_SERVER)
    return path


@pytest.fixture(scope="module")
def mcp_http(mcp_script: Path) -> Iterator[str]:
    port = _free_port()
    proc = subprocess.Popen([sys.executable, str(mcp_script), str(port)], stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "MCP server did not start"
            time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.terminate()
        proc.wait(10)


def _in_memory() -> ToolProvider:
    provider = InMemoryToolProvider("memory")

    async def add(args: dict[str, Any]) -> str:
        return str(int(args["a"]) + int(args["b"]))

    provider.add(
        ToolSpec(
            "add",
            "Add",
            {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}},
        ),
        add,
    )
    return provider


@pytest.fixture(
    params=[
        "in-memory",
        "builtin",
        "openapi",
        pytest.param("mcp-stdio", marks=pytest.mark.integration),
        pytest.param("mcp-http", marks=pytest.mark.integration),
    ]
)
def case(request: pytest.FixtureRequest, weather_server, mcp_script) -> tuple[ToolProvider, str, dict, str]:  # noqa: ANN001
    """(provider, tool, arguments, text the answer must contain)."""
    if request.param == "in-memory":
        return _in_memory(), "add", {"a": 2, "b": 3}, "5"
    if request.param == "builtin":
        return BuiltinToolProvider(), "eval_expression", {"expression": "2+3"}, "5"
    if request.param == "openapi":
        base, _ = weather_server
        provider = OpenApiToolProvider(
            "weather",
            openapi_spec(base),
            auth={"type": "api_key", "value": "secret"},
            fetcher=HttpFetcher(allow_hosts=frozenset({base.split("//")[1]})),
        )
        return provider, "get_weather", {"city": "Rome"}, '"temp":21'
    if request.param == "mcp-http":
        url = request.getfixturevalue("mcp_http")
        fetcher = HttpFetcher(allow_hosts=frozenset({url.split("//")[1].split("/")[0]}))
        return McpToolProvider("demo", url=url, fetcher=fetcher), "add", {"a": 2, "b": 3}, "5"
    provider = McpToolProvider("demo", command=[sys.executable, str(mcp_script)], allow_stdio=True)
    return provider, "add", {"a": 2, "b": 3}, "5"


async def test_lists_tools_with_object_schemas(case) -> None:  # noqa: ANN001
    provider, tool, _, _ = case
    tools = await provider.list_tools()
    names = [t.name for t in tools]
    assert tool in names and len(set(names)) == len(names)
    assert all(t.parameters.get("type") == "object" and t.description for t in tools)


async def test_invokes_a_tool(case) -> None:  # noqa: ANN001
    provider, tool, arguments, expected = case
    result = await provider.invoke(tool, arguments)
    assert isinstance(result, ToolResult) and expected in result.text.replace(" ", "")


async def test_unknown_tool_is_a_tool_error(case) -> None:  # noqa: ANN001
    provider, _, _, _ = case
    with pytest.raises(ToolError):
        await provider.invoke("no_such_tool", {})


async def test_openapi_operations_schemas_auth_and_bodies(weather_server) -> None:  # noqa: ANN001
    base, app = weather_server
    fetcher = HttpFetcher(allow_hosts=frozenset({base.split("//")[1]}))
    provider = OpenApiToolProvider(
        "weather", openapi_spec(base), auth={"type": "api_key", "value": "secret"}, fetcher=fetcher
    )
    specs = {t.name: t for t in await provider.list_tools()}
    assert specs["get_weather"].parameters["required"] == ["city"]
    assert specs["get_weather"].parameters["properties"]["unit"]["enum"] == ["C", "F"]
    assert specs["add_note"].parameters["required"] == ["text"]  # $ref resolved, body fields flattened
    result = await provider.invoke("get_weather", {"city": "Oslo", "unit": "F"})
    assert result.json == [{"city": "Oslo", "unit": "F", "temp": 21}]
    await provider.invoke("add_note", {"text": "buy milk"})
    assert app.state.calls[-2:] == [("weather", "Oslo", "F"), ("notes", {"text": "buy milk"})]
    with pytest.raises(ToolError, match="missing required"):
        await provider.invoke("get_weather", {})
    wrong_key = OpenApiToolProvider(
        "weather", openapi_spec(base), auth={"type": "api_key", "value": "nope"}, fetcher=fetcher
    )
    with pytest.raises(ToolError, match="401"):
        await wrong_key.invoke("get_weather", {"city": "Oslo"})


async def test_openapi_calls_are_ssrf_guarded_by_default(weather_server) -> None:  # noqa: ANN001
    base, app = weather_server
    provider = OpenApiToolProvider("weather", openapi_spec(base), auth={"type": "api_key", "value": "secret"})
    before = len(app.state.calls)
    with pytest.raises(ToolError, match="private or local"):
        await provider.invoke("get_weather", {"city": "Oslo"})
    assert len(app.state.calls) == before


def test_stdio_mcp_servers_are_off_unless_allowed() -> None:
    with pytest.raises(ToolError, match="disabled"):
        McpToolProvider("x", command=["python", "server.py"])


async def test_mcp_http_servers_are_ssrf_guarded(mcp_http: str) -> None:
    with pytest.raises(ToolError, match="private or local"):
        await McpToolProvider("demo", url=mcp_http).list_tools()
