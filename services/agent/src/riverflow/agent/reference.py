"""In-memory reference implementations of every port (tests, and the behaviour real adapters match)."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from riverflow.agent.ports import (
    DeltaSink,
    ModelRequest,
    ModelResponse,
    ToolCall,
    ToolError,
    ToolResult,
    ToolSpec,
)
from riverflow.contracts.events.v1 import NodeTaskChunk, NodeTaskResult, RunEvent

__all__ = [
    "InMemoryModelClient",
    "InMemoryCredentialStore",
    "InMemoryResultStore",
    "InMemoryToolProvider",
    "InMemoryPublisher",
    "last_user_text",
    "tool_call",
]

_WORDS = re.compile(r"\s*\S+")


def last_user_text(request: ModelRequest) -> str:
    for message in reversed(request.messages):
        if message.role == "user":
            content = message.content
            if isinstance(content, list):
                return " ".join(str(p.get("text", "")) for p in content if p.get("type") == "text")
            return str(content)
    return ""


class InMemoryModelClient:
    """Answers with scripted replies in order (a string, or a ``ModelResponse`` for tool calls),
    then echoes the last user message. Streams word by word. Every request is kept in ``requests``.

    Example:
        >>> client = InMemoryModelClient(["Hello!"])
        >>> (await client.complete(request)).text
        'Hello!'
    """

    def __init__(self, replies: Iterable[str | ModelResponse | Exception] = ()) -> None:
        self._replies = list(replies)
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest, on_delta: DeltaSink | None = None) -> ModelResponse:
        self.requests.append(request)
        reply: str | ModelResponse | Exception = (
            self._replies.pop(0) if self._replies else last_user_text(request)
        )
        if isinstance(reply, Exception):
            raise reply
        response = copy.deepcopy(reply) if isinstance(reply, ModelResponse) else ModelResponse(text=reply)
        if on_delta is not None:
            for piece in _WORDS.findall(response.reasoning):
                await on_delta("reasoning_content", piece)
            for piece in _WORDS.findall(response.text):
                await on_delta("text", piece)
        # Whitespace word counts: deterministic stand-ins for a tokenizer.
        if not response.prompt_tokens:
            response.prompt_tokens = sum(len(str(m.content).split()) for m in request.messages)
        if not response.completion_tokens:
            response.completion_tokens = len(response.text.split()) + len(response.tool_calls)
        response.model = response.model or request.target.litellm_model
        if request.target.price is not None:
            response.price = request.target.price
        return response


class InMemoryCredentialStore:
    def __init__(self, credentials: dict[tuple[str, str], dict[str, Any]] | None = None) -> None:
        self._data = dict(credentials or {})

    def set(self, workspace_id: str, provider: str, value: dict[str, Any]) -> None:
        self._data[(workspace_id, provider)] = value

    async def get(self, workspace_id: str, provider: str) -> dict[str, Any] | None:
        value = self._data.get((workspace_id, provider))
        return copy.deepcopy(value) if value is not None else None


class InMemoryResultStore:
    def __init__(self) -> None:
        self.data: dict[str, dict[str, Any]] = {}

    async def get(self, key: str) -> dict[str, Any] | None:
        value = self.data.get(key)
        return copy.deepcopy(value) if value is not None else None

    async def put(self, key: str, value: dict[str, Any]) -> None:
        self.data[key] = copy.deepcopy(value)


ToolFunction = Callable[[dict[str, Any]], Awaitable[ToolResult | str | dict[str, Any]]]


class InMemoryToolProvider:
    """Tools backed by async Python functions; ``calls`` records every invocation."""

    def __init__(self, name: str, tools: dict[str, tuple[ToolSpec, ToolFunction]] | None = None) -> None:
        self.name = name
        self._tools = dict(tools or {})
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def add(self, spec: ToolSpec, function: ToolFunction) -> None:
        self._tools[spec.name] = (spec, function)

    async def list_tools(self) -> list[ToolSpec]:
        return [spec for spec, _ in self._tools.values()]

    async def invoke(self, tool: str, arguments: dict[str, Any]) -> ToolResult:
        if tool not in self._tools:
            raise ToolError(f"tool {tool!r} not found in provider {self.name!r}")
        self.calls.append((tool, arguments))
        result = await self._tools[tool][1](arguments)
        if isinstance(result, ToolResult):
            return result
        if isinstance(result, dict):
            return ToolResult(text=json.dumps(result, ensure_ascii=False), json=[result])
        return ToolResult(text=str(result))


class InMemoryPublisher:
    """Keeps what was published, in order."""

    def __init__(self) -> None:
        self.events: list[NodeTaskChunk | NodeTaskResult] = []
        self.relayed: list[tuple[str, RunEvent]] = []  # (msg id, event)

    async def publish(self, event: NodeTaskChunk | NodeTaskResult) -> None:
        self.events.append(event)

    async def relay(self, event: RunEvent, msg_id: str) -> None:
        self.relayed.append((msg_id, event))

    @property
    def chunks(self) -> list[NodeTaskChunk]:
        return [e for e in self.events if isinstance(e, NodeTaskChunk)]

    @property
    def results(self) -> list[NodeTaskResult]:
        return [e for e in self.events if isinstance(e, NodeTaskResult)]


def tool_call(name: str, arguments: str, call_id: str = "call_0") -> ModelResponse:
    """A scripted reply that asks for one tool call (for ``InMemoryModelClient``)."""
    return ModelResponse(text="", tool_calls=[ToolCall(call_id, name, arguments)], finish_reason="tool_calls")
