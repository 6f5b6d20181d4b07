"""Tools from MCP servers (official ``mcp`` SDK), over streamable HTTP or stdio.

Config: ``{"type": "mcp", "url": "https://host/mcp", "headers": {...}}`` or
``{"type": "mcp", "command": ["python", "server.py"], "env": {...}}``. A session is opened per
listing or call (stateless, so any replica can serve any task); the tool list is cached briefly.
HTTP servers go through the SSRF guard; stdio servers run only where the deployment allows them.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import AsyncIterator
from typing import Any

import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from riverflow.agent.adapters.http_fetch import HttpFetcher
from riverflow.agent.ports import ToolError, ToolResult, ToolSpec

__all__ = ["McpToolProvider"]


class McpToolProvider:
    def __init__(
        self,
        name: str,
        *,
        url: str | None = None,
        headers: dict[str, str] | None = None,
        command: list[str] | None = None,
        env: dict[str, str] | None = None,
        fetcher: HttpFetcher | None = None,
        allow_stdio: bool = False,
        list_ttl: float = 60.0,
    ) -> None:
        if not url and not command:
            raise ToolError("an MCP provider needs a url or a command")
        if command and not allow_stdio:
            raise ToolError("stdio MCP servers are disabled in this deployment (AGENT_MCP_ALLOW_STDIO)")
        self.name, self.url, self.headers, self.command, self.env = name, url, headers or {}, command, env
        self.fetcher = fetcher or HttpFetcher()
        self.list_ttl = list_ttl
        self._tools: tuple[float, list[ToolSpec]] | None = None

    @classmethod
    def factory(cls, fetcher: HttpFetcher, allow_stdio: bool):  # noqa: ANN206 - a ToolRegistry McpFactory
        def build(provider_id: str, config: dict[str, Any]) -> McpToolProvider:
            command = config.get("command")
            if isinstance(command, str):
                command = command.split()
            return cls(
                provider_id,
                url=config.get("url") or config.get("server_url"),
                headers=dict(config.get("headers") or {}),
                command=list(command) if command else None,
                env=config.get("env"),
                fetcher=fetcher,
                allow_stdio=allow_stdio,
            )

        return build

    @contextlib.asynccontextmanager
    async def _session(self) -> AsyncIterator[ClientSession]:
        async with contextlib.AsyncExitStack() as stack:
            if self.url:
                await self.fetcher._guard(self.url)
                client = await stack.enter_async_context(
                    httpx2.AsyncClient(headers=self.headers, timeout=httpx2.Timeout(30.0, read=300.0))
                )
                read, write = await stack.enter_async_context(
                    streamable_http_client(self.url, http_client=client)
                )
            else:
                assert self.command is not None
                params = StdioServerParameters(command=self.command[0], args=self.command[1:], env=self.env)
                read, write = await stack.enter_async_context(stdio_client(params))
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            yield session

    async def list_tools(self) -> list[ToolSpec]:
        if self._tools is not None and self._tools[0] > time.monotonic():
            return self._tools[1]
        try:
            async with self._session() as session:
                listed = await session.list_tools()
        except ToolError:
            raise
        except Exception as exc:  # noqa: BLE001 - transport errors of any kind
            raise ToolError(f"MCP server {self.name!r} is unreachable: {exc}") from exc
        tools = [
            ToolSpec(
                t.name,
                t.description or t.name,
                dict(t.input_schema or {"type": "object"}),
                provider=self.name,
            )
            for t in listed.tools
        ]
        self._tools = (time.monotonic() + self.list_ttl, tools)
        return tools

    async def invoke(self, tool: str, arguments: dict[str, Any]) -> ToolResult:
        try:
            async with self._session() as session:
                result = await session.call_tool(tool, arguments)
        except ToolError:
            raise
        except Exception as exc:  # noqa: BLE001
            raise ToolError(f"MCP tool {tool!r} failed: {exc}") from exc
        text = "\n".join(
            str(getattr(c, "text", "")) for c in result.content if getattr(c, "type", "") == "text"
        )
        if result.is_error:
            raise ToolError(text or f"MCP tool {tool!r} reported an error")
        structured = result.structured_content
        return ToolResult(text=text, json=[structured] if isinstance(structured, dict) else [])
