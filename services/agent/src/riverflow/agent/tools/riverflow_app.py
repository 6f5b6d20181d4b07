"""Another Riverflow app as a tool (Dify's "workflow as tool"; multi-agent for chat and agent apps).

The app is called like any client calls it: through the gateway's public Service API, blocking,
with that app's own key (``/v1/workflows/run``, ``/v1/chat-messages`` or ``/v1/completion-messages``
by the app's mode), so no service reaches into another. The tool's parameters are the app's input
form (``/v1/parameters``), plus ``query`` for chat apps. Config (a workspace tool provider, sealed
like credentials): ``{"type": "riverflow_app", "api_key": "app-...", "name"?, "description"?}``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from pydantic import SecretStr
from riverflow.agent.adapters.http_fetch import FetchResult, HttpFetcher
from riverflow.agent.ports import ToolError, ToolResult, ToolSpec

__all__ = ["RiverflowAppToolProvider", "input_schema"]

#: Dify's input-form control types → JSON schema types.
_TYPES = {
    "text-input": "string",
    "paragraph": "string",
    "select": "string",
    "number": "number",
    "checkbox": "boolean",
    "json_object": "object",
}
_CHAT_MODES = frozenset({"chat", "agent-chat", "advanced-chat"})


def input_schema(form: list[Any], *, chat: bool) -> dict[str, Any]:
    """A JSON schema object from a ``user_input_form`` (file inputs are left out: a model has none)."""
    properties: dict[str, Any] = {}
    required: list[str] = []
    if chat:
        properties["query"] = {"type": "string", "description": "The message to send to the app."}
        required.append("query")
    for item in form:
        if not isinstance(item, dict) or len(item) != 1:
            continue
        ((control, field),) = item.items()
        kind = _TYPES.get(control)
        if kind is None or not isinstance(field, dict) or not field.get("variable"):
            continue
        name = str(field["variable"])
        schema: dict[str, Any] = {"type": kind, "description": str(field.get("label") or name)}
        if control == "select" and field.get("options"):
            schema["enum"] = [str(option) for option in field["options"]]
        if field.get("max_length") and kind == "string":
            schema["maxLength"] = int(field["max_length"])
        properties[name] = schema
        if field.get("required"):
            required.append(name)
    return {"type": "object", "properties": properties, "required": required}


class RiverflowAppToolProvider:
    """One tool: run the app behind ``api_key`` and return its outputs (workflow) or answer (chat)."""

    def __init__(
        self,
        name: str,
        *,
        gateway_url: str | None,
        api_key: SecretStr,
        fetcher: HttpFetcher,
        tool_name: str | None = None,
        description: str | None = None,
        user: str = "riverflow-agent",
        info_ttl: float = 60.0,
    ) -> None:
        if not gateway_url:
            raise ToolError("app tools need the gateway's URL (AGENT_GATEWAY_URL)")
        if not api_key.get_secret_value():
            raise ToolError(f"app tool {name!r} has no api_key")
        self.name, self.base = name, gateway_url.rstrip("/")
        self.tool_name, self.description, self.user = tool_name or name, description, user
        self._key, self._fetcher, self._ttl = api_key, fetcher, info_ttl
        self._info: tuple[float, str, ToolSpec] | None = None

    async def _get(self, path: str) -> Any:
        result = await self._fetcher.request("GET", self.base + path, headers=self._headers())
        return _body(result, path)

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._key.get_secret_value()}"}

    async def _describe(self) -> tuple[str, ToolSpec]:
        if self._info is not None and self._info[0] > time.monotonic():
            return self._info[1], self._info[2]
        info = await self._get("/v1/info")
        parameters = await self._get("/v1/parameters")
        mode = str(info.get("mode") or "workflow")
        schema = input_schema(parameters.get("user_input_form") or [], chat=mode in _CHAT_MODES)
        description = self.description or info.get("description") or f"Run the app {info.get('name')!r}."
        spec = ToolSpec(self.tool_name, str(description), schema, provider=self.name)
        self._info = (time.monotonic() + self._ttl, mode, spec)
        return mode, spec

    async def list_tools(self) -> list[ToolSpec]:
        return [(await self._describe())[1]]

    async def invoke(self, tool: str, arguments: dict[str, Any]) -> ToolResult:
        if tool != self.tool_name:
            raise ToolError(f"tool {tool!r} not found in provider {self.name!r}")
        mode, _ = await self._describe()
        inputs = dict(arguments)
        body: dict[str, Any] = {"response_mode": "blocking", "user": self.user}
        if mode in _CHAT_MODES:
            path = "/v1/chat-messages"
            body["query"] = str(inputs.pop("query", "") or "")
        else:
            path = "/v1/completion-messages" if mode == "completion" else "/v1/workflows/run"
        body["inputs"] = inputs
        result = await self._fetcher.request(
            "POST", self.base + path, headers=self._headers(), json_body=body
        )
        reply = _body(result, path)
        if path == "/v1/workflows/run":
            data = reply.get("data") or {}
            if data.get("status") != "succeeded":
                raise ToolError(
                    f"the app's run {data.get('status')}: {data.get('error') or 'no error given'}"
                )
            outputs = data.get("outputs") or {}
            # Dify's workflow tool: the outputs as JSON text, and as a JSON message.
            return ToolResult(text=json.dumps(outputs, ensure_ascii=False), json=[outputs])
        return ToolResult(text=str(reply.get("answer") or ""), json=[reply])


def _body(result: FetchResult, path: str) -> Any:
    if result.status >= 400:
        detail = result.json.get("message") if isinstance(result.json, dict) else result.text[:300]
        raise ToolError(f"the app answered HTTP {result.status} on {path}: {detail}")
    if not isinstance(result.json, dict):
        raise ToolError(f"the app's {path} answer is not a JSON object")
    return result.json
