"""Model port: the ``ModelClient`` protocol the agent's nodes use, and an in-memory reference adapter."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

__all__ = ["ChatMessage", "ModelRequest", "ModelResponse", "ModelClient", "InMemoryModelClient"]


@dataclass(frozen=True)
class ChatMessage:
    role: Literal["system", "user", "assistant", "tool"]
    content: str


@dataclass(frozen=True)
class ModelRequest:
    """One chat completion, as an llm node asks for it (Dify's ``model`` block plus the prompt)."""

    provider: str
    model: str
    messages: tuple[ChatMessage, ...]
    #: Completion parameters (temperature, max_tokens...), passed through to the provider.
    parameters: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ModelResponse:
    text: str
    #: Token counts in Dify's names: prompt_tokens, completion_tokens, total_tokens.
    usage: dict[str, int] = field(default_factory=dict)
    finish_reason: str = "stop"


class ModelClient(Protocol):
    """Sends a chat completion to a model provider."""

    async def complete(self, request: ModelRequest) -> ModelResponse: ...


class InMemoryModelClient:
    """Reference ``ModelClient``: answers with scripted replies in order, then echoes the last user message.

    Every request is kept in ``requests``, so tests can assert what a node sent.

    Example:
        >>> client = InMemoryModelClient(["Hello!"])
        >>> (await client.complete(request)).text
        'Hello!'
    """

    def __init__(self, replies: Iterable[str] = ()) -> None:
        self._replies = list(replies)
        self.requests: list[ModelRequest] = []

    async def complete(self, request: ModelRequest) -> ModelResponse:
        self.requests.append(request)
        if self._replies:
            text = self._replies.pop(0)
        else:
            text = next((m.content for m in reversed(request.messages) if m.role == "user"), "")
        # Whitespace word counts: deterministic stand-ins for a tokenizer.
        prompt = sum(len(m.content.split()) for m in request.messages)
        completion = len(text.split())
        usage = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
        return ModelResponse(text=text, usage=usage)
