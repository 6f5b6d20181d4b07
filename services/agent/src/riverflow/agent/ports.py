"""The agent's ports: small Protocols for models, credentials, stored results, tools and the bus.

Each port has an in-memory reference implementation in ``riverflow.agent.reference`` and one
conformance suite in ``services/agent/tests/test_ports_*.py`` that every implementation passes.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from pydantic import SecretStr
from riverflow.contracts.events.v1 import NodeTaskChunk, NodeTaskResult, RunEvent

__all__ = [
    "ChatMessage",
    "ModelTarget",
    "ModelRequest",
    "ToolCall",
    "ModelResponse",
    "DeltaSink",
    "ModelError",
    "ModelClient",
    "CredentialStore",
    "ResultStore",
    "ToolSpec",
    "ToolResult",
    "ToolError",
    "ToolProvider",
    "EventPublisher",
]


@dataclass(frozen=True)
class ChatMessage:
    """One OpenAI-style message; ``content`` may be a string or a list of typed parts (vision)."""

    role: Literal["system", "user", "assistant", "tool"]
    content: Any
    tool_calls: tuple[ToolCall, ...] = ()
    tool_call_id: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class ModelTarget:
    """A concrete model to call: litellm's model id, where, with which key, at what price."""

    provider: str
    name: str
    litellm_model: str
    api_base: str | None = None
    api_key: SecretStr | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: Per-token prices (input, output); None asks the adapter (litellm's bundled cost map).
    price: tuple[float, float] | None = None
    #: True when this is the shipped mock model standing in for a missing provider.
    mock: bool = False

    @property
    def limit_key(self) -> str:
        """Concurrency limits are per provider (and endpoint)."""
        return f"{self.provider}@{self.api_base or ''}"

    @property
    def breaker_key(self) -> str:
        """Circuit breakers are per model at an endpoint."""
        return f"{self.limit_key}/{self.litellm_model}"


@dataclass(frozen=True)
class ModelRequest:
    """One model call. ``idempotency_key`` is sent to the provider and keys the call's checkpoint."""

    target: ModelTarget
    messages: tuple[ChatMessage, ...]
    parameters: dict[str, Any] = field(default_factory=dict)
    tools: tuple[dict[str, Any], ...] = ()
    tool_choice: Any = None
    response_format: dict[str, Any] | None = None
    #: The node's prompt mode; completion prompts arrive as one user message and go to the chat API.
    mode: Literal["chat", "completion"] = "chat"
    idempotency_key: str = ""


@dataclass(frozen=True)
class ToolCall:
    id: str
    name: str
    arguments: str


@dataclass
class ModelResponse:
    text: str
    prompt_tokens: int = 0
    completion_tokens: int = 0
    finish_reason: str = "stop"
    reasoning: str = ""
    tool_calls: list[ToolCall] = field(default_factory=list)
    #: Per-token prices that applied (input, output), in USD.
    price: tuple[float, float] = (0.0, 0.0)
    latency: float = 0.0
    model: str = ""
    #: The target that answered (after retries and fallbacks) and how many calls it took.
    target: ModelTarget | None = None
    attempts: int = 1


#: Receives streamed pieces as they arrive: ``(field, text)`` with field ``text`` or ``reasoning_content``.
DeltaSink = Callable[[str, str], Awaitable[None]]


class ModelError(Exception):
    """A failed model call, classified by the adapter so retry logic needs no provider SDK."""

    def __init__(self, message: str, *, status: int | None = None, retryable: bool, error_type: str) -> None:
        super().__init__(message)
        self.status, self.retryable, self.error_type = status, retryable, error_type


class ModelClient(Protocol):
    """Calls a model; streams deltas to ``on_delta`` as they arrive, returns the whole answer."""

    async def complete(self, request: ModelRequest, on_delta: DeltaSink | None = None) -> ModelResponse: ...


class CredentialStore(Protocol):
    """Provider credentials of a workspace (``{"api_key", "api_base", "extra"}``), or None."""

    async def get(self, workspace_id: str, provider: str) -> dict[str, Any] | None: ...


class ResultStore(Protocol):
    """Durable results of completed work (task results, model-call checkpoints), by key."""

    async def get(self, key: str) -> dict[str, Any] | None: ...

    async def put(self, key: str, value: dict[str, Any]) -> None: ...


@dataclass(frozen=True)
class ToolSpec:
    """A callable tool: ``parameters`` is a JSON schema object, as function calling wants it."""

    name: str
    description: str
    parameters: dict[str, Any] = field(default_factory=lambda: {"type": "object", "properties": {}})
    provider: str = ""

    def as_function(self) -> dict[str, Any]:
        return {
            "type": "function",
            "function": {"name": self.name, "description": self.description, "parameters": self.parameters},
        }


@dataclass
class ToolResult:
    """A tool's answer in Dify's tool-node shape: text, JSON objects, files."""

    text: str = ""
    json: list[Any] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


class ToolError(Exception):
    """A tool refused or failed; agents feed the message back to the model, tool nodes fail."""


class ToolProvider(Protocol):
    """A set of tools (built-ins, one OpenAPI spec, one MCP server...)."""

    name: str

    async def list_tools(self) -> list[ToolSpec]: ...

    async def invoke(self, tool: str, arguments: dict[str, Any]) -> ToolResult: ...


class EventPublisher(Protocol):
    """Publishes task chunks and results to the run's inbox; returns once the bus accepted them."""

    async def publish(self, event: NodeTaskChunk | NodeTaskResult) -> None: ...

    async def relay(self, event: RunEvent, msg_id: str) -> None:
        """A chunk the engine asked to relay (``NodeTaskRequested.relay``): to the run's stream."""
        ...
