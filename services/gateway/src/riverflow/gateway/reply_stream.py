"""Run events as Dify stream frames per app family (dify-service-api.md §3.2–3.3).

The engine speaks one vocabulary (workflow, node and ``message`` events); clients expect envelopes
and closing orders that depend on the app's mode. ``ReplyStream`` turns each ``RunEvent`` into the
frames of that mode, adds ``message_end`` (usage summed from the nodes, retriever resources) when
the engine did not send one, and remembers the answer for blocking replies.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.agent_thoughts import agent_steps, stream_thoughts
from riverflow.gateway.usage import add_usage, empty_usage, node_usage

__all__ = ["ReplyContext", "ReplyStream", "retriever_resources", "failure_error", "TERMINAL_EVENTS"]

TERMINAL_EVENTS = frozenset({"workflow_finished", "workflow_paused", "error"})
#: Events of the graph itself; the "easy UI" families (chat, agent-chat, completion) hide them.
_GRAPH_EVENTS_PREFIXES = (
    "workflow_",
    "node_",
    "iteration_",
    "loop_",
    "parallel_",
    "agent_log",
    "human_input",
)


@dataclass(frozen=True)
class ReplyContext:
    """Who the frames are for: the app's mode and the ids of this reply."""

    mode: str
    task_id: str
    run_id: str
    message_id: str | None = None
    conversation_id: str | None = None


def retriever_resources(node_data: dict[str, Any]) -> list[dict[str, Any]]:
    """Citations from a knowledge-retrieval node's ``node_finished`` data (Dify's field names)."""
    if node_data.get("node_type") not in ("knowledge-retrieval", "knowledge-retrieval-v2"):
        return []
    found = []
    for item in (node_data.get("outputs") or {}).get("result") or []:
        if not isinstance(item, dict):
            continue
        meta = item.get("metadata") or {}
        found.append(
            {
                "position": int(meta.get("position") or len(found) + 1),
                "dataset_id": str(meta.get("dataset_id") or ""),
                "dataset_name": str(meta.get("dataset_name") or ""),
                "document_id": str(meta.get("document_id") or ""),
                "document_name": str(meta.get("document_name") or item.get("title") or ""),
                "data_source_type": str(meta.get("data_source_type") or "upload_file"),
                "segment_id": str(meta.get("segment_id") or ""),
                "score": float(meta.get("score") or 0.0),
                "content": str(item.get("content") or ""),
                "hit_count": meta.get("segment_hit_count"),
                "word_count": meta.get("segment_word_count"),
                "segment_position": meta.get("segment_position"),
            }
        )
    return found


def failure_error(message: str | None) -> dict[str, Any]:
    """The in-stream ``error`` fields Dify sends after a failed run (``ValueError`` → 400)."""
    return {"status": 400, "code": "invalid_param", "message": f"Run failed: {message or 'unknown error'}"}


@dataclass
class ReplyStream:
    ctx: ReplyContext
    answer_parts: list[str] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=empty_usage)
    resources: list[dict[str, Any]] = field(default_factory=list)
    final_answer: str | None = None
    status: str | None = None
    error: dict[str, Any] | None = None
    sent_message_end: bool = False
    created_at: int = 0
    #: ``agent_thought`` frames sent so far (positions continue across the run's agent nodes).
    thoughts_sent: int = 0
    #: The engine relayed ``agent_thought`` events itself: do not derive them again from agent logs.
    live_thoughts: bool = False
    #: Live steps' positions in the run, by (agent node, its own step position): updates keep theirs.
    live_positions: dict[tuple[str, Any], int] = field(default_factory=dict)

    @property
    def answer(self) -> str:
        return self.final_answer if self.final_answer is not None else "".join(self.answer_parts)

    @property
    def chat_family(self) -> bool:
        return self.ctx.mode != "workflow"

    @property
    def shows_graph(self) -> bool:
        return self.ctx.mode in ("workflow", "advanced-chat")

    # -- envelopes ------------------------------------------------------------------------------

    def _ids(self) -> dict[str, Any]:
        ids: dict[str, Any] = {"message_id": self.ctx.message_id}
        if self.ctx.mode != "completion":
            ids["conversation_id"] = self.ctx.conversation_id
        return ids

    def _graph_frame(self, event: RunEvent) -> dict[str, Any]:
        frame: dict[str, Any] = {
            "event": event.event,
            "task_id": self.ctx.task_id,
            "workflow_run_id": self.ctx.run_id,
        }
        if self.chat_family:
            frame.update(self._ids())
            frame["created_at"] = event.created_at
        frame["data"] = event.data
        return frame

    def _reply_frame(self, name: str, created_at: int, **fields: Any) -> dict[str, Any]:
        frame: dict[str, Any] = {"event": name, "task_id": self.ctx.task_id, "id": self.ctx.message_id}
        frame.update(self._ids())
        frame.update(fields)
        frame["created_at"] = created_at
        return frame

    def error_frame(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Dify's in-stream error: flat fields, no ``task_id``."""
        frame: dict[str, Any] = {"event": "error"}
        frame.update(self._ids() if self.chat_family else {"workflow_run_id": self.ctx.run_id})
        frame.update({k: fields.get(k) for k in ("status", "code", "message")})
        return frame

    def _agent_thoughts(self, event: RunEvent) -> list[dict[str, Any]]:
        """An agent node's logged steps as ``agent_thought`` frames, before its answer is closed."""
        steps = [] if self.live_thoughts else agent_steps(event.data)
        frames = stream_thoughts(
            steps,
            run_id=self.ctx.run_id,
            task_id=self.ctx.task_id,
            message_id=self.ctx.message_id,
            conversation_id=self.ctx.conversation_id if self.ctx.mode != "completion" else None,
            first_position=self.thoughts_sent + 1,
            created_at=event.created_at,
        )
        self.thoughts_sent += len(frames)
        return frames

    def _live_thought(self, event: RunEvent) -> dict[str, Any]:
        """A step relayed as it happens, with the id and position its stored copy will have."""
        self.live_thoughts = True
        step = dict(event.data)
        key = (str(step.pop("node_id", "")), step.get("position"))
        if key not in self.live_positions:
            self.thoughts_sent += 1
            self.live_positions[key] = self.thoughts_sent
        (frame,) = stream_thoughts(
            [step],
            run_id=self.ctx.run_id,
            task_id=self.ctx.task_id,
            message_id=self.ctx.message_id,
            conversation_id=self.ctx.conversation_id if self.ctx.mode != "completion" else None,
            first_position=self.live_positions[key],
            created_at=event.created_at,
        )
        return frame

    def message_end(self, created_at: int) -> dict[str, Any]:
        self.sent_message_end = True
        metadata = {"usage": self.usage, "retriever_resources": self.resources}
        return self._reply_frame("message_end", created_at, metadata=metadata, files=[])

    # -- translation ----------------------------------------------------------------------------

    def translate(self, event: RunEvent) -> list[dict[str, Any]]:
        """The frames ``event`` becomes, in order (possibly none)."""
        if not self.created_at:
            self.created_at = event.created_at
        name, data = event.event, event.data
        if name == "node_finished":
            usage = node_usage(data)
            if usage is not None:
                self.usage = add_usage(self.usage, usage)
            self.resources.extend(retriever_resources(data))
        if not self.chat_family:
            if name == "error":
                self.status, self.error = "failed", data
                return [self.error_frame(data)]
            if name == "workflow_finished":
                self.status = str(data.get("status") or "succeeded")
            return [self._graph_frame(event)]
        if name in ("message", "text_chunk", "agent_message"):
            text = str(data.get("answer", data.get("text", "")))
            self.answer_parts.append(text)
            reply = "agent_message" if self.ctx.mode == "agent-chat" else "message"
            extra = (
                {"from_variable_selector": data["from_variable_selector"]}
                if "from_variable_selector" in data
                else {}
            )
            return [self._reply_frame(reply, event.created_at, answer=text, **extra)]
        if name == "message_end":
            self.sent_message_end = True
            metadata = dict(data.get("metadata") or {})
            metadata.setdefault("usage", self.usage)
            metadata.setdefault("retriever_resources", self.resources)
            return [
                self._reply_frame(
                    "message_end", event.created_at, metadata=metadata, files=data.get("files", [])
                )
            ]
        if name == "message_replace":
            self.final_answer = str(data.get("answer", ""))
            return [
                self._reply_frame(
                    "message_replace",
                    event.created_at,
                    answer=self.final_answer,
                    reason=data.get("reason", ""),
                )
            ]
        if name == "error":
            self.status, self.error = "failed", data
            return [self.error_frame(data)]
        if name == "workflow_finished":
            return self._finished(event)
        if name == "node_finished":
            thoughts = self._agent_thoughts(event)
            return thoughts + ([self._graph_frame(event)] if self.shows_graph else [])
        if name.startswith(_GRAPH_EVENTS_PREFIXES):
            return [self._graph_frame(event)] if self.shows_graph else []
        if name == "agent_thought":
            return [self._live_thought(event)]
        return [self._reply_frame(name, event.created_at, **data)]  # message_file...

    def _finished(self, event: RunEvent) -> list[dict[str, Any]]:
        data = event.data
        self.status = str(data.get("status") or "succeeded")
        answer = (data.get("outputs") or {}).get("answer")
        if isinstance(answer, str) and self.status != "failed":
            self.final_answer = answer if answer or not self.answer_parts else None
        frames: list[dict[str, Any]] = []
        if self.status == "failed":
            self.error = failure_error(data.get("error"))
            if self.shows_graph:
                frames.append(self._graph_frame(event))
            frames.append(self.error_frame(self.error))
            return frames
        if not self.sent_message_end:
            frames.append(self.message_end(event.created_at))
        if self.shows_graph:
            frames.append(self._graph_frame(event))
        return frames

    # -- blocking ---------------------------------------------------------------------------------

    def blocking_body(self) -> dict[str, Any]:
        """The blocking reply of a chat-family app (``mode`` is the app's mode)."""
        body: dict[str, Any] = {"event": "message", "task_id": self.ctx.task_id, "id": self.ctx.message_id}
        body.update(self._ids())
        body.update(
            {
                "mode": self.ctx.mode,
                "answer": self.answer,
                "metadata": {"usage": self.usage, "retriever_resources": self.resources},
                "created_at": self.created_at,
            }
        )
        return body
