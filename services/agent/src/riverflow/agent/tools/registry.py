"""Finding a node's tool: built-ins by name; OpenAPI and MCP providers from the node or the workspace.

A workspace's tool providers live beside its model credentials (encrypted, same KV bucket) under
the provider name ``tool-<provider_id>``, as ``{"type": "openapi", "spec": ..., "auth": {...},
"base_url": ...}``, ``{"type": "mcp", "url": ... | "command": [...], "headers": {...}}`` or
``{"type": "riverflow_app", "api_key": ...}`` (another app; the default for Dify's ``workflow`` and
``app`` provider types). A node may also carry the same object inline as ``provider_config``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from pydantic import SecretStr
from riverflow.agent.adapters.http_fetch import HttpFetcher
from riverflow.agent.ports import CredentialStore, ToolError, ToolProvider, ToolSpec
from riverflow.agent.tools.builtin import BUILTIN_PROVIDER_ALIASES, BuiltinToolProvider
from riverflow.agent.tools.openapi import OpenApiToolProvider
from riverflow.agent.tools.riverflow_app import RiverflowAppToolProvider

__all__ = ["ToolRegistry", "tool_provider_key"]

McpFactory = Callable[[str, dict[str, Any]], ToolProvider]

#: Dify's provider types for "workflow as tool" (and app as tool): another Riverflow app.
APP_PROVIDER_TYPES = frozenset({"workflow", "app", "riverflow_app"})


def tool_provider_key(provider_id: str) -> str:
    return f"tool-{provider_id}"


class ToolRegistry:
    def __init__(
        self,
        credentials: CredentialStore,
        *,
        fetcher: HttpFetcher | None = None,
        builtin: ToolProvider | None = None,
        mcp_factory: McpFactory | None = None,
        extra: dict[str, ToolProvider] | None = None,
        gateway_url: str | None = None,
        app_fetcher: HttpFetcher | None = None,
    ) -> None:
        self.credentials = credentials
        self.fetcher = fetcher or HttpFetcher()
        self.builtin = builtin or BuiltinToolProvider(self.fetcher)
        self.mcp_factory = mcp_factory
        #: Providers registered in-process by name (tests, embedding applications).
        self.extra = dict(extra or {})
        self._cache: dict[tuple[str, str], ToolProvider] = {}
        #: Apps as tools go to this gateway only, through a fetcher that trusts just its origin.
        self.gateway_url, self.app_fetcher = gateway_url, app_fetcher or self.fetcher

    async def provider(
        self, workspace_id: str, provider_type: str, provider_id: str, inline: dict[str, Any] | None = None
    ) -> ToolProvider:
        if provider_id in self.extra:
            return self.extra[provider_id]
        if inline:
            return self._build(provider_id, provider_type, inline)
        if provider_type in ("", "builtin") and (
            provider_id in BUILTIN_PROVIDER_ALIASES or provider_id.split("/")[-1] in BUILTIN_PROVIDER_ALIASES
        ):
            return self.builtin
        cached = self._cache.get((workspace_id, provider_id))
        if cached is not None:
            return cached
        config = (
            await self.credentials.get(workspace_id, tool_provider_key(provider_id)) if workspace_id else None
        )
        if config is None:
            if provider_type in ("", "builtin"):
                return self.builtin  # unknown plugin id: its tool may still be one of ours by name
            raise ToolError(
                f"tool provider {provider_id!r} ({provider_type}) is not configured in this workspace"
            )
        provider = self._build(provider_id, provider_type, config)
        self._cache[(workspace_id, provider_id)] = provider
        return provider

    def _build(self, provider_id: str, provider_type: str, config: dict[str, Any]) -> ToolProvider:
        kind = config.get("type") or ("riverflow_app" if provider_type in APP_PROVIDER_TYPES else "openapi")
        if kind in APP_PROVIDER_TYPES:
            return RiverflowAppToolProvider(
                provider_id,
                gateway_url=self.gateway_url,
                api_key=SecretStr(str(config.get("api_key") or "")),
                fetcher=self.app_fetcher,
                tool_name=config.get("name") or config.get("tool_name"),
                description=config.get("description"),
            )
        if kind == "openapi":
            return OpenApiToolProvider(
                provider_id,
                config.get("spec") or config.get("schema") or {},
                auth=config.get("auth"),
                base_url=config.get("base_url"),
                fetcher=self.fetcher,
            )
        if kind == "mcp":
            if self.mcp_factory is None:
                raise ToolError("MCP tools are not available in this deployment")
            return self.mcp_factory(provider_id, config)
        raise ToolError(f"unknown tool provider type {kind!r}")

    async def find(
        self,
        workspace_id: str,
        provider_type: str,
        provider_id: str,
        tool_name: str,
        inline: dict[str, Any] | None = None,
    ) -> tuple[ToolProvider, ToolSpec]:
        provider = await self.provider(workspace_id, provider_type, provider_id, inline)
        for spec in await provider.list_tools():
            if spec.name == tool_name:
                return provider, spec
        raise ToolError(f"tool {tool_name!r} not found in provider {provider_id or provider.name!r}")
