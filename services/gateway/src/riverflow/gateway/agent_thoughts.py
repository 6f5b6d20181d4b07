"""Dify's ``agent_thought`` items from an agent node's ``execution_metadata.agent_log``.

The agent service logs each step of an agent node (one model round and the tools it called) in
Dify's field names; clients expect them as ``agent_thought`` stream events and as a message's
``agent_thoughts[]`` (dify-service-api.md §2.2, §3.3). Both carry the same deterministic ids, so a
client can match what it streamed with what ``GET /messages`` returns.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

__all__ = ["AGENT_NODE_TYPES", "agent_steps", "thought_id", "stream_thoughts", "stored_thoughts"]

#: Node types whose ``execution_metadata.agent_log`` holds agent_thought-shaped steps.
AGENT_NODE_TYPES = frozenset({"agent"})


def _text(value: Any) -> str:
    """A string field: ``dify-client-python`` refuses null, so absent values become ``""``."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False)


def _labels(value: Any) -> dict[str, Any]:
    return dict(value) if isinstance(value, dict) else {}


def _tool(value: Any) -> str:
    if isinstance(value, list | tuple):  # a list of names: Dify joins them with ";"
        return ";".join(str(name) for name in value if name)
    return _text(value)


def agent_steps(node_data: dict[str, Any]) -> list[dict[str, Any]]:
    """The logged steps of an agent node's ``node_finished`` data (``[]`` for other nodes)."""
    if node_data.get("node_type") not in AGENT_NODE_TYPES:
        return []
    log = (node_data.get("execution_metadata") or {}).get("agent_log")
    if not isinstance(log, list):
        return []
    # Dify's own agent-strategy plugins log tree-shaped entries (label/data); only steps are thoughts.
    return [step for step in log if isinstance(step, dict) and ("thought" in step or "tool" in step)]


def thought_id(run_id: str, position: int) -> str:
    """The same id in the stream and in the stored message: from the run and the step's position."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"riverflow:{run_id}:agent_thought:{position}"))


def _fields(step: dict[str, Any], run_id: str, position: int, fallback_at: int) -> dict[str, Any]:
    created = step.get("created_at")
    return {
        "id": thought_id(run_id, position),
        "position": position,
        "thought": _text(step.get("thought")),
        "observation": _text(step.get("observation")),
        "tool": _tool(step.get("tool")),
        "tool_labels": _labels(step.get("tool_labels")),
        "tool_input": _text(step.get("tool_input")),
        "created_at": int(created) if isinstance(created, int | float) else int(fallback_at),
    }


def stream_thoughts(
    steps: list[dict[str, Any]],
    *,
    run_id: str,
    task_id: str,
    message_id: str | None,
    conversation_id: str | None,
    first_position: int,
    created_at: int,
) -> list[dict[str, Any]]:
    """``agent_thought`` stream frames for ``steps``, numbered from ``first_position``."""
    frames = []
    for offset, step in enumerate(steps):
        fields = _fields(step, run_id, first_position + offset, created_at)
        frames.append(
            {
                "event": "agent_thought",
                "id": fields["id"],
                "task_id": task_id,
                "message_id": _text(message_id),
                "conversation_id": _text(conversation_id),
                "created_at": fields["created_at"],
                "position": fields["position"],
                "thought": fields["thought"],
                "observation": fields["observation"],
                "tool": fields["tool"],
                "tool_labels": fields["tool_labels"],
                "tool_input": fields["tool_input"],
                "message_files": [],
            }
        )
    return frames


def stored_thoughts(
    steps: list[dict[str, Any]], *, run_id: str, message_id: str, first_position: int, created_at: int
) -> list[dict[str, Any]]:
    """A message's ``agent_thoughts[]`` items (as ``GET /v1/messages`` returns them)."""
    items = []
    for offset, step in enumerate(steps):
        fields = _fields(step, run_id, first_position + offset, created_at)
        items.append(
            {
                "id": fields["id"],
                "chain_id": "",  # Dify may send null; "" also satisfies clients that demand a string
                "message_id": message_id,
                "position": fields["position"],
                "thought": fields["thought"],
                "tool": fields["tool"],
                "tool_labels": fields["tool_labels"],
                "tool_input": fields["tool_input"],
                "observation": fields["observation"],
                "files": [],
                "created_at": fields["created_at"],
            }
        )
    return items
