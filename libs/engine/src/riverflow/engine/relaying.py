"""Chunk relay: a dispatched task streams a field straight to the client when nothing can hold it.

When a step ends, a task whose field is the very segment its scope's active response session is
waiting on would have each chunk forwarded the moment it is applied: applying it changes nothing
else. Such a field gets a ``ChunkRelay`` on the task, and its producer publishes the chunks to
the run's stream itself, skipping a trip through the inbox, the log and the orchestrator per token.
Its result reports what those chunks carried (``streamed``); the field's buffer is then set as if
every chunk had been forwarded here, so what follows is what the slow path would have emitted.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from riverflow.contracts.events.v1 import ChunkRelay, NodeTaskResult
from riverflow.engine.commands import Command, DispatchNodeTask
from riverflow.engine.scopes import scope_of
from riverflow.engine.state import StreamBuffer, TaskRef

if TYPE_CHECKING:
    from riverflow.engine.step import StepCore

__all__ = ["Relaying"]


class Relaying:
    """Chunk event shapes, relay assignment and relayed-field bookkeeping for ``StepCore`` (a mixin)."""

    def chunk_event(self: StepCore, scope: str) -> tuple[str, str, dict[str, Any]]:
        """Dify's streamed-text event of this run and scope: ``(event, text key, other data)``."""
        if self.state.app_mode == "advanced-chat":
            base: dict[str, Any] = {"id": self.state.message_id}
            name, field = "message", "answer"
        else:
            base, name, field = {}, "text_chunk", "text"
        if scope:
            iteration_id, loop_id, _ = self.frame_info(scope)
            if iteration_id:
                base["in_iteration_id"] = iteration_id
            if loop_id:
                base["in_loop_id"] = loop_id
        return name, field, base

    def commands_with_relays(self: StepCore) -> list[Command]:
        """This step's commands, its dispatched tasks given a relay for each field that can take one."""
        for i, command in enumerate(self.commands):
            if not isinstance(command, DispatchNodeTask):
                continue
            ref = self.state.tasks.get(command.task.idempotency_key)
            if ref is None:
                continue
            field = self._waited_field(ref)
            if field is None:
                continue
            name, text_key, base = self.chunk_event(ref.scope)
            relay = ChunkRelay(
                event=name,
                text_key=text_key,
                data={**base, "from_variable_selector": [ref.node_id, field]},
                seq=self.state.seq,
                task_id=self.state.task_id,
            )
            ref.relayed = [field]
            task = command.task.model_copy(update={"relay": {field: relay}})
            self.commands[i] = command.model_copy(update={"task": task})
        return self.commands

    def _waited_field(self: StepCore, ref: TaskRef) -> str | None:
        """The field of ``ref``'s node that the active session's cursor is on, if it streams."""
        scope = scope_of(self.state, ref.scope)
        stream = scope.stream
        if not stream.queue or stream.queue[0] in scope.skipped:
            return None
        head = stream.queue[0]
        graph = self.graph_of(ref.scope)
        segments = graph.templates[head]
        cursor = stream.cursor.get(head, 0)
        if cursor >= len(segments):
            return None
        selector = segments[cursor].selector
        if selector is None or len(selector) != 2 or selector[0] != ref.node_id:
            return None
        key = f"{ref.node_id}.{selector[1]}"
        buffer = stream.buffers.get(key)
        started = buffer is not None and buffer.attempt == ref.attempt and buffer.count > 0
        if key not in graph.streamed or started:
            return None
        return selector[1]

    def mark_relayed(self: StepCore, ref: TaskRef, result: NodeTaskResult) -> None:
        """Record the chunks of the fields the producer relayed as forwarded."""
        stream = scope_of(self.state, ref.scope).stream
        streamed = result.streamed or {}
        for field in ref.relayed:
            if field not in streamed:
                continue  # a producer that ignored the relay: its chunks come through the inbox
            key = f"{ref.node_id}.{field}"
            stream.buffers[key] = StreamBuffer(
                attempt=ref.attempt,
                count=(result.chunk_counts or {}).get(field, 0),
                forwarded=streamed[field],
            )
