"""OpenAPI 3 tools: import a spec, get one tool per operation; calls go out through the SSRF guard.

Auth settings (``auth``): ``{"type": "none"}``, ``{"type": "bearer", "value": token}``,
``{"type": "basic", "value": "user:password"}`` or ``{"type": "api_key", "in": "header"|"query",
"name": "X-API-Key", "value": key}``.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any

import jsonref
import yaml
from riverflow.agent.adapters.http_fetch import HttpFetcher
from riverflow.agent.ports import ToolError, ToolResult, ToolSpec

__all__ = ["OpenApiToolProvider", "load_spec"]

_METHODS = ("get", "post", "put", "patch", "delete", "head", "options")


def load_spec(spec: str | dict[str, Any]) -> dict[str, Any]:
    """Parse a spec (JSON/YAML text or a dict) and resolve its local ``$ref``s."""
    raw = yaml.safe_load(spec) if isinstance(spec, str) else spec
    if not isinstance(raw, dict) or not str(raw.get("openapi", "")).startswith("3"):
        raise ToolError("not an OpenAPI 3 document (missing 'openapi: 3.x')")
    resolved = jsonref.replace_refs(raw, proxies=False, lazy_load=False)
    return json.loads(json.dumps(resolved))


@dataclass(frozen=True)
class _Operation:
    spec: ToolSpec
    method: str
    path: str
    params: tuple[tuple[str, str], ...]  # (name, location)
    body_fields: tuple[str, ...] | None  # properties of an object body; None = no body
    body_whole: bool  # a non-object body travels as the "body" argument


def _tool_name(method: str, path: str, operation: dict[str, Any]) -> str:
    name = operation.get("operationId") or f"{method}_{path}"
    return re.sub(r"[^a-zA-Z0-9_-]+", "_", str(name)).strip("_")[:64]


def _operations(spec: dict[str, Any], provider: str) -> dict[str, _Operation]:
    found: dict[str, _Operation] = {}
    for path, item in (spec.get("paths") or {}).items():
        shared = item.get("parameters") or []
        for method in _METHODS:
            operation = item.get(method)
            if not isinstance(operation, dict):
                continue
            properties: dict[str, Any] = {}
            required: list[str] = []
            params = []
            for param in [*shared, *(operation.get("parameters") or [])]:
                name, where = str(param["name"]), str(param.get("in", "query"))
                properties[name] = {**(param.get("schema") or {"type": "string"})}
                if param.get("description"):
                    properties[name]["description"] = param["description"]
                if param.get("required") or where == "path":
                    required.append(name)
                params.append((name, where))
            body_fields, body_whole = None, False
            content = ((operation.get("requestBody") or {}).get("content") or {}).get("application/json")
            if content is not None:
                schema = content.get("schema") or {}
                if schema.get("type", "object") == "object" and "properties" in schema:
                    properties.update(schema["properties"])
                    required += list(schema.get("required") or [])
                    body_fields = tuple(schema["properties"])
                else:
                    properties["body"] = schema
                    body_whole = True
                    if (operation.get("requestBody") or {}).get("required"):
                        required.append("body")
            name = _tool_name(method, path, operation)
            description = (
                operation.get("summary") or operation.get("description") or f"{method.upper()} {path}"
            )
            parameters = {"type": "object", "properties": properties, "required": sorted(set(required))}
            spec_ = ToolSpec(name, str(description), parameters, provider=provider)
            found[name] = _Operation(spec_, method, str(path), tuple(params), body_fields, body_whole)
    return found


class OpenApiToolProvider:
    def __init__(
        self,
        name: str,
        spec: str | dict[str, Any],
        *,
        auth: dict[str, Any] | None = None,
        base_url: str | None = None,
        fetcher: HttpFetcher | None = None,
    ) -> None:
        self.name = name
        document = load_spec(spec)
        servers = document.get("servers") or [{}]
        self.base_url = (base_url or str(servers[0].get("url") or "")).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ToolError("the OpenAPI spec names no absolute server URL; give base_url")
        self.auth = auth or {"type": "none"}
        self.fetcher = fetcher or HttpFetcher()
        self.operations = _operations(document, name)

    async def list_tools(self) -> list[ToolSpec]:
        return [op.spec for op in self.operations.values()]

    async def invoke(self, tool: str, arguments: dict[str, Any]) -> ToolResult:
        operation = self.operations.get(tool)
        if operation is None:
            raise ToolError(f"operation {tool!r} not found in {self.name!r}")
        missing = [n for n in operation.spec.parameters.get("required", []) if arguments.get(n) in (None, "")]
        if missing:
            raise ToolError(f"missing required parameters: {', '.join(missing)}")
        path = operation.path
        query: dict[str, Any] = {}
        headers: dict[str, str] = {}
        for name, where in operation.params:
            if name not in arguments or arguments[name] is None:
                continue
            value = arguments[name]
            if where == "path":
                path = path.replace("{" + name + "}", str(value))
            elif where == "header":
                headers[name] = str(value)
            elif where == "query":
                query[name] = value
        body = None
        if operation.body_whole:
            body = arguments.get("body")
        elif operation.body_fields is not None:
            body = {k: arguments[k] for k in operation.body_fields if k in arguments}
        self._apply_auth(headers, query)
        result = await self.fetcher.request(
            operation.method.upper(),
            self.base_url + path,
            params=query or None,
            headers=headers,
            json_body=body,
        )
        if result.status >= 400:
            raise ToolError(
                f"{operation.method.upper()} {path} answered HTTP {result.status}: {result.text[:500]}"
            )
        parsed = result.json
        return ToolResult(text=result.text, json=[parsed] if isinstance(parsed, dict) else (parsed or []))

    def _apply_auth(self, headers: dict[str, str], query: dict[str, Any]) -> None:
        kind, value = self.auth.get("type", "none"), str(self.auth.get("value") or "")
        if kind == "bearer":
            headers["Authorization"] = f"Bearer {value}"
        elif kind == "basic":
            headers["Authorization"] = "Basic " + base64.b64encode(value.encode()).decode()
        elif kind == "api_key":
            name = str(self.auth.get("name") or "X-API-Key")
            if self.auth.get("in") == "query":
                query[name] = value
            else:
                headers[name] = value
