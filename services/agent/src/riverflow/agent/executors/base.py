"""What every node executor gets (``TaskContext``) and returns (``TaskOutcome``), and shared helpers."""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from riverflow.agent.model_calls import ModelCaller
from riverflow.agent.ports import ChatMessage, DeltaSink
from riverflow.agent.tools.registry import ToolRegistry
from riverflow.contracts.events.v1 import NodeTaskRequested

__all__ = [
    "TaskContext",
    "TaskOutcome",
    "ThoughtSink",
    "NodeFailure",
    "Executor",
    "to_messages",
    "history_messages",
    "extract_json",
    "prompt_log",
]


ThoughtSink = Callable[[dict[str, Any]], Awaitable[None]]


@dataclass
class TaskContext:
    task: NodeTaskRequested
    models: ModelCaller
    tools: ToolRegistry
    #: Streams a piece of output to the run (``field``, ``text``); awaits the bus (back-pressure).
    emit: DeltaSink
    #: Streams an agent step (Dify's ``agent_thought`` fields) as it is made and as it is updated.
    emit_thought: ThoughtSink | None = None


@dataclass
class TaskOutcome:
    outputs: dict[str, Any]
    process_data: dict[str, Any] | None = None
    metadata: dict[str, Any] = field(default_factory=dict)
    edge_source_handle: str | None = None


class NodeFailure(Exception):
    """The node failed for a reason that is the user's to fix (bad config, unparsable answer)."""

    def __init__(self, message: str, error_type: str = "NodeError") -> None:
        super().__init__(message)
        self.error_type = error_type


Executor = Callable[[TaskContext], Awaitable[TaskOutcome]]

_ROLES = {"system", "user", "assistant", "tool"}


def to_messages(raw: Any) -> list[ChatMessage]:
    """``[{role, content}]`` as resolved by the engine (``riverflow.engine.prompt_inputs``)."""
    if not isinstance(raw, list) or not raw:
        raise NodeFailure("the task carries no prompt messages (inputs.prompt_messages)", "PromptError")
    messages = []
    for item in raw:
        role = str(item.get("role", "user")) if isinstance(item, dict) else "user"
        content = item.get("content", item.get("text", "")) if isinstance(item, dict) else str(item)
        messages.append(ChatMessage(role if role in _ROLES else "user", content))  # type: ignore[arg-type]
    return messages


def history_messages(raw: Any) -> list[ChatMessage]:
    """Conversation memory (``[{role, content}]``) as chat messages; malformed items are skipped."""
    out = []
    for item in raw or []:
        if (
            isinstance(item, dict)
            and item.get("role") in ("user", "assistant")
            and item.get("content") is not None
        ):
            out.append(ChatMessage(item["role"], str(item["content"])))
    return out


_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.S)


def extract_json(text: str) -> Any:
    """The JSON value in a model answer: whole text, a fenced block, or the outermost ``{...}``."""
    candidates = [text.strip()]
    candidates += [m.strip() for m in _FENCE.findall(text)]
    start, end = text.find("{"), text.rfind("}")
    if 0 <= start < end:
        candidates.append(text[start : end + 1])
    for candidate in candidates:
        try:
            return json.loads(candidate)
        except (json.JSONDecodeError, ValueError):
            continue
    raise ValueError("no JSON object in the model's answer")


def prompt_log(messages: list[ChatMessage]) -> list[dict[str, Any]]:
    """Dify's ``process_data.prompts``: role, text and files of each message sent."""
    out = []
    for m in messages:
        if isinstance(m.content, list):
            text = " ".join(str(p.get("text", "")) for p in m.content if p.get("type") == "text")
            files = [p for p in m.content if p.get("type") != "text"]
        else:
            text, files = str(m.content or ""), []
        out.append({"role": m.role, "text": text, "files": files})
    return out
