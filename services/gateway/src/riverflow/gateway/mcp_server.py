"""Apps as MCP servers (Dify's per-app "MCP server"): ``/mcp/server/<server_code>/mcp``.

One low-level ``mcp`` ``Server`` behind a stateless streamable-HTTP session manager serves every
app: the endpoint resolves the URL's code to an active server and a live app before the SDK sees
the request (unknown or disabled codes answer 404), so any gateway replica can serve any call.
The app is one tool whose input schema is its user input form (plus ``query`` for chat apps);
calling it runs the published version through the Service API's own run path (``generation``),
blocking until the run ends, and answers the outputs or the answer as text.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.server.context import ServerRequestContext
from mcp.server.lowlevel import Server
from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
from mcp.server.transport_security import TransportSecuritySettings
from mcp.shared.exceptions import MCPError
from riverflow.gateway import generation
from riverflow.gateway.api.deps import Services
from riverflow.gateway.app_runtime import CHAT_MODES, Runnable, runnable
from riverflow.gateway.errors import ApiError, error_response
from riverflow.gateway.mcp_records import McpServerRecord
from riverflow.gateway.ports import BusUnavailable, RunQueueFull
from riverflow.gateway.records import AppRecord
from starlette.types import Receive, Scope, Send

__all__ = ["MCP_PATH", "McpEndpoint", "server_url", "tool_name", "input_schema"]

log = logging.getLogger("riverflow.gateway.mcp")

MCP_PATH = "/mcp/server/{server_code}/mcp"
#: Where the endpoint leaves the resolved server and app for the tool handlers.
_SCOPE_KEY = "riverflow.mcp_target"
_NOT_FOUND = "MCP server not found, or it is disabled."
_LOOPBACK = ("127.0.0.1", "localhost", "::1")
_TOOL_NAME = re.compile(r"[^A-Za-z0-9_.-]+")


@dataclass(frozen=True)
class _Target:
    server: McpServerRecord
    app: AppRecord


def server_url(base_url: str, server_code: str) -> str:
    return f"{base_url.rstrip('/')}{MCP_PATH.format(server_code=server_code)}"


def tool_name(app: AppRecord) -> str:
    """The app's name as an MCP tool name (letters, digits, ``_.-``; at most 64 characters)."""
    return _TOOL_NAME.sub("_", app.name).strip("_")[:64] or "app"


def input_schema(mode: str, app_runtime: Runnable, descriptions: dict[str, Any]) -> dict[str, Any]:
    """JSON schema of the app's input form; file inputs cannot travel as MCP arguments."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    if mode in CHAT_MODES:
        properties["query"] = {
            "type": "string",
            "description": str(descriptions.get("query") or "The user's message to the app."),
        }
        required.append("query")
    for variable in app_runtime.definition.start_variables():
        kind, name = str(variable.get("type") or "text-input"), str(variable["variable"])
        if kind in ("file", "file-list"):
            continue
        prop: dict[str, Any] = {"description": str(descriptions.get(name) or variable.get("label") or name)}
        if kind == "number":
            prop["type"] = "number"
        elif kind == "checkbox":
            prop["type"] = "boolean"
        elif kind == "json_object":
            prop["type"] = "object"
        else:
            prop["type"] = "string"
            if kind == "select":
                prop["enum"] = [str(option) for option in variable.get("options") or []]
            elif isinstance(variable.get("max_length"), int) and variable["max_length"] > 0:
                prop["maxLength"] = variable["max_length"]
        properties[name] = prop
        if variable.get("required"):
            required.append(name)
    return {"type": "object", "properties": properties, "required": required, "additionalProperties": False}


def _text(
    text: str, *, error: bool = False, structured: dict[str, Any] | None = None
) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)], is_error=error, structured_content=structured
    )


class McpEndpoint:
    """The ASGI endpoint of ``MCP_PATH``; ``run()`` must be entered for the app's lifetime."""

    def __init__(self, svc: Services) -> None:
        self._svc = svc
        self.server: Server[Any] = Server(
            "riverflow",
            version="1",
            on_list_tools=self._list_tools,
            on_call_tool=self._call_tool,
        )
        security = None
        if svc.settings.host in _LOOPBACK:  # as the SDK does for local servers: no DNS rebinding
            security = TransportSecuritySettings(
                enable_dns_rebinding_protection=True,
                allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
                allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
            )
        self.manager = StreamableHTTPSessionManager(
            self.server,
            stateless=True,  # no session state: any replica answers any request
            json_response=True,
            security_settings=security,
            max_request_body_size=svc.settings.max_body_bytes,
        )

    @asynccontextmanager
    async def run(self) -> AsyncIterator[None]:
        """The session manager, for as long as this context lasts.

        The manager holds an anyio task group, which must be left by the task that entered it: it
        lives in a task of its own, as lifespans may start and end in different tasks.
        """
        started, stop = asyncio.Event(), asyncio.Event()

        async def hold() -> None:
            async with self.manager.run():
                started.set()
                await stop.wait()

        holder = asyncio.create_task(hold(), name="mcp-session-manager")
        ready = asyncio.create_task(started.wait())
        await asyncio.wait({holder, ready}, return_when=asyncio.FIRST_COMPLETED)
        ready.cancel()
        if holder.done():
            holder.result()  # it failed to start: raise why
        try:
            yield
        finally:
            stop.set()
            await holder

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        code = str((scope.get("path_params") or {}).get("server_code") or "")
        target = await self._resolve(code)
        if target is None:
            await error_response(ApiError(404, "not_found", _NOT_FOUND))(scope, receive, send)
            return
        await self.manager.handle_request({**scope, _SCOPE_KEY: target}, receive, send)

    async def _resolve(self, code: str) -> _Target | None:
        store = self._svc.store
        server = await store.find_mcp_server(code) if code else None
        if server is None or server.status != "active":
            return None
        app = await store.get_app(server.app_id)
        if app is None or app.status != "normal":
            return None
        return _Target(server, app)

    @staticmethod
    def _target(ctx: ServerRequestContext[Any]) -> _Target:
        request = ctx.request
        target = request.scope.get(_SCOPE_KEY) if request is not None else None
        if not isinstance(target, _Target):
            raise MCPError(types.INTERNAL_ERROR, "This MCP server is only served over HTTP.")
        return target

    async def _runnable(self, app: AppRecord) -> tuple[Any, Runnable]:
        version = await self._svc.store.published_version(app.id)
        if version is None:
            raise MCPError(types.INVALID_REQUEST, f"The app {app.name!r} has no published version.")
        try:
            return version, runnable(app.mode, version.dsl)
        except ApiError as exc:
            raise MCPError(types.INVALID_REQUEST, exc.message) from None

    async def _tool(self, target: _Target) -> types.Tool:
        _, app_runtime = await self._runnable(target.app)
        description = target.server.description or target.app.description or target.app.name
        schema = input_schema(target.app.mode, app_runtime, target.server.parameters)
        return types.Tool(name=tool_name(target.app), description=description, input_schema=schema)

    async def _list_tools(
        self, ctx: ServerRequestContext[Any], _: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return types.ListToolsResult(tools=[await self._tool(self._target(ctx))])

    async def _call_tool(
        self, ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        target = self._target(ctx)
        app = target.app
        if params.name != tool_name(app):
            raise MCPError(
                types.INVALID_PARAMS, f"Unknown tool {params.name!r}: this server has {tool_name(app)!r}."
            )
        version, app_runtime = await self._runnable(app)
        inputs, query = self._arguments(app, app_runtime, dict(params.arguments or {}))
        svc = self._svc
        try:
            started = await generation.start(
                svc,
                app,
                version,
                app_runtime,
                inputs=inputs,
                user=f"mcp-{target.server.id}",
                files=[],
                query=query,
            )
            reply = await generation.respond(svc, started, False)
        except ApiError as exc:
            return _text(exc.message, error=True)
        except (RunQueueFull, BusUnavailable):
            return _text("The platform is busy or restarting; nothing ran. Try again shortly.", error=True)
        return self._result(app.mode, json.loads(bytes(reply.body)))

    def _arguments(
        self, app: AppRecord, app_runtime: Runnable, arguments: dict[str, Any]
    ) -> tuple[dict[str, Any], str | None]:
        """The run's inputs and query, or INVALID_PARAMS naming what is wrong (nothing is started)."""
        query = None
        if app.mode in CHAT_MODES:
            query = arguments.pop("query", None)
            if not isinstance(query, str) or not query.strip():
                raise MCPError(
                    types.INVALID_PARAMS, "Invalid arguments: query is required and must be a string."
                )
        declared = {str(v["variable"]) for v in app_runtime.definition.start_variables()}
        unknown = sorted(set(arguments) - declared)
        if unknown:
            raise MCPError(
                types.INVALID_PARAMS, f"Invalid arguments: unknown argument(s) {', '.join(unknown)}."
            )
        try:
            inputs = generation.validated_inputs(app_runtime, arguments)
        except ApiError as exc:
            raise MCPError(types.INVALID_PARAMS, f"Invalid arguments: {exc.message}") from None
        if app.mode == "completion":
            query = str(inputs.get("query") or "")
        return inputs, query

    @staticmethod
    def _result(mode: str, body: dict[str, Any]) -> types.CallToolResult:
        if mode != "workflow":
            return _text(str(body.get("answer") or ""))
        data = body.get("data") or {}
        if data.get("status") != "succeeded":
            return _text(str(data.get("error") or f"The run ended {data.get('status')}."), error=True)
        outputs = data.get("outputs") or {}
        return _text(json.dumps(outputs, ensure_ascii=False), structured=outputs)
