"""Case-file mocks: what dispatched nodes return in a test run (Dify's auto-mock conventions).

A mock is looked up by node id, then by node-type label (``"tool (all)"``). A dict mock is the
node's outputs; keys starting with ``_`` are meta (``_error``, ``_delay_seconds`` on the run's
virtual clock); an LLM mock's ``text`` streams split on single spaces plus an empty final chunk,
unless ``stream_chunks`` lists the chunks. Nodes without a usable mock get Dify's auto-mock
defaults. A code mock that only describes a handler in words (not values of the declared types)
runs the node's real code through ``real_runner``. Our additions: a human-input mock
``{"action_id": ..., "inputs": {...}}`` answers its form; a template-transform mock with an
``output`` replaces the rendering (see ``runner``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.engine.driver import TaskReply

__all__ = ["CaseMocks", "DEFAULT_LLM_TEXT", "code_defaults"]

DEFAULT_LLM_TEXT = "This is a test response from mocked LLM"
_LABEL = re.compile(r"^(?P<type>[a-z0-9-]+) \(all\)$")
_CODE_DEFAULTS: dict[str, Any] = {
    "number": 42,
    "object": {"key": "value"},
    "boolean": True,
    "array[string]": ["item1", "item2"],
    "array[number]": [1, 2, 3],
    "array[object]": [{"key": "value1"}, {"key": "value2"}],
    "array[boolean]": [True, False],
}


def code_defaults(data: dict[str, Any]) -> dict[str, Any]:
    """Dify's auto-mock outputs of a code node, by declared output type."""
    outputs = data.get("outputs") or {}
    if not outputs:
        return {"result": "mocked code execution result"}
    return {
        name: f"mocked_{name}"
        if (spec or {}).get("type") == "string"
        else _CODE_DEFAULTS.get((spec or {}).get("type"))
        for name, spec in outputs.items()
    }


def _defaults(task: NodeTaskRequested, default_llm: str) -> dict[str, Any]:
    kind, data = task.node_type, task.data
    if kind == "llm":
        return {
            "text": default_llm,
            "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
            "finish_reason": "stop",
        }
    if kind == "code":
        return code_defaults(data)
    if kind == "tool":
        return {"result": "mocked tool output"}
    if kind == "agent":
        return {"output": "Mocked agent response", "files": []}
    if kind in ("knowledge-retrieval", "knowledge-retrieval-v2"):
        return {
            "result": [
                {"content": "Mocked retrieval content", "score": 0.95, "metadata": {"source": "mock_source"}}
            ]
        }
    if kind == "http-request":
        return {"status_code": 200, "body": "mocked response", "headers": {}}
    if kind == "question-classifier":
        first = next(iter(data.get("classes") or []), {})
        return {"class_name": first.get("name", "class_1"), "class_id": first.get("id")}
    if kind == "parameter-extractor":
        params = {str(p.get("name")): None for p in data.get("parameters") or [] if isinstance(p, dict)}
        return {**params, "__is_success": 1, "__reason": None}
    if kind == "document-extractor":
        return {"text": "Mocked extracted document content"}
    return {}


def _type_ok(kind: str | None, value: Any) -> bool:
    if kind is None or value is None:
        return True
    if kind == "string":
        return isinstance(value, str)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "object":
        return isinstance(value, dict)
    if kind.startswith("array"):
        return isinstance(value, list)
    return True


def _is_literal(task: NodeTaskRequested, outputs: dict[str, Any]) -> bool:
    """False for a code mock whose values are prose describing a handler, not the declared types."""
    if task.node_type != "code":
        return True
    declared = task.data.get("outputs") or {}
    return all(_type_ok((declared.get(k) or {}).get("type"), v) for k, v in outputs.items())


class CaseMocks:
    """A ``TaskRunner`` (and human-input answerer) built from one case's ``mocks``."""

    def __init__(
        self,
        mocks: dict[str, Any],
        real_runner: Callable[[NodeTaskRequested], Any] | None = None,
    ) -> None:
        self.mocks = mocks
        self.default_llm = str(mocks.get("_default_llm_response") or DEFAULT_LLM_TEXT)
        self.real_runner = real_runner
        self.calls: list[NodeTaskRequested] = []

    def mock_for(self, node_id: str, node_type: str) -> Any:
        if node_id in self.mocks:
            return self.mocks[node_id]
        for key, value in self.mocks.items():
            match = _LABEL.match(key)
            if match and match.group("type") == node_type:
                return value
        return None

    def __call__(self, task: NodeTaskRequested) -> Any:
        self.calls.append(task)
        mock = self.mock_for(task.node_id, task.node_type)
        meta = {k: v for k, v in mock.items() if k.startswith("_")} if isinstance(mock, dict) else {}
        duration = float(meta.get("_delay_seconds") or 0.0)
        if "_error" in meta:
            return TaskReply(error=str(meta["_error"]), error_type="MockError", duration=duration)
        outputs = {k: v for k, v in mock.items() if not k.startswith("_")} if isinstance(mock, dict) else None
        if outputs is not None and not _is_literal(task, outputs):
            if self.real_runner is None:
                raise RuntimeError(
                    f"code node {task.node_id}: its mock describes a handler, not values; "
                    "its code must run for real (give a code runner)"
                )
            return self.real_runner(task)
        if not outputs:
            outputs = _defaults(task, self.default_llm)
        chunks: list[str | tuple[str, str]] = []
        if isinstance(outputs.get("stream_chunks"), list):
            pieces = [str(c) for c in outputs.pop("stream_chunks")]
            outputs.pop("delay_per_chunk_s", None)
            outputs.setdefault("text", "".join(pieces))
            chunks = list(pieces)
        elif task.node_type == "llm" and isinstance(outputs.get("text"), str):
            words = outputs["text"].split(" ")
            chunks = [w if i == 0 else " " + w for i, w in enumerate(words)] + [""]
        handle = None
        if task.node_type == "question-classifier" and outputs.get("class_id") is None:
            handle = outputs.get("class_name")
        return TaskReply(outputs=outputs, chunks=chunks, duration=duration, edge_source_handle=handle)

    def human_answer(self, node_id: str, reason: dict[str, Any]) -> tuple[str, dict[str, Any]] | None:
        """A human-input mock ``{"action_id": ..., "inputs": {...}}`` answers its paused form."""
        mock = self.mock_for(node_id, "human-input")
        if not isinstance(mock, dict) or "action_id" not in mock:
            return None
        return str(mock["action_id"]), dict(mock.get("inputs") or {})
