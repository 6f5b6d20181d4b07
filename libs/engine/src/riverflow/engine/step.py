"""The core of one ``advance`` step: event emission, the ready queue, settling and finishing a run."""

from __future__ import annotations

from collections import deque
from typing import Any

from riverflow.contracts.events.v1 import RunEvent
from riverflow.engine import streaming
from riverflow.engine.commands import Command, EmitRunEvent
from riverflow.engine.containers import Containers
from riverflow.engine.graph import RuntimeGraph
from riverflow.engine.pausing import Pausing
from riverflow.engine.payloads import workflow_finished
from riverflow.engine.relaying import Relaying
from riverflow.engine.resuming import Resuming
from riverflow.engine.scopes import frame_tags, pool_of, scope_of
from riverflow.engine.state import RunState
from riverflow.engine.traversal import Traversal

__all__ = ["StepCore"]


class StepCore(Traversal, Containers, Pausing, Resuming, Relaying):
    """Mutates one run's state for one inbox event and collects the resulting commands.

    Work is a FIFO of ready ``(scope, node, predecessor)`` entries; frames whose nodes all
    finished are completed once nothing else is ready, so containers see settled bodies.
    """

    def __init__(self, state: RunState, graph: RuntimeGraph | None, at: float) -> None:
        self.state = state
        self.graph = graph
        self.at = at
        self.commands: list[Command] = []
        self.ready: deque[tuple[str, str, str | None]] = deque()
        self.queued: set[tuple[str, str]] = set()
        self.dirty: dict[str, bool] = {}  # frames to check for completion (insertion ordered)
        self.restarts: dict[tuple[str, str], int] = {}  # (scope, node) -> first attempt (resume)
        self._graphs: dict[str, RuntimeGraph] = {}
        self._tags: dict[str, tuple[str | None, str | None, dict[str, Any]]] = {}

    # -- scopes ------------------------------------------------------------------------------

    def graph_of(self, scope: str) -> RuntimeGraph:
        """The runtime graph nodes of ``scope`` belong to (the top level or a container body)."""
        assert self.graph is not None
        if not scope:
            return self.graph
        graph = self._graphs.get(scope)
        if graph is None:
            graph = self._graphs[scope] = self.graph.body(self.state.frames[scope].container_node)
        return graph

    def tags(self, scope: str) -> dict[str, Any]:
        """``iteration_id`` / ``loop_id`` of events of nodes in ``scope``."""
        if not scope:
            return {}
        iteration_id, loop_id, _ = self.frame_info(scope)
        return {"iteration_id": iteration_id, "loop_id": loop_id}

    def frame_info(self, scope: str) -> tuple[str | None, str | None, dict[str, Any]]:
        info = self._tags.get(scope)
        if info is None:
            info = self._tags[scope] = frame_tags(self.state, scope)
        return info

    # -- events ------------------------------------------------------------------------------

    def emit(self, name: str, data: dict[str, Any]) -> None:
        self.state.seq += 1
        event = RunEvent(
            run_id=self.state.run_id,
            task_id=self.state.task_id,
            seq=self.state.seq,
            event=name,
            data=data,
            created_at=int(self.at),
        )
        self.commands.append(EmitRunEvent(event=event))

    def emit_event(self, event: RunEvent) -> None:
        """Log an event built whole elsewhere (``opening_event``); it carries the next seq."""
        assert event.seq == self.state.seq + 1, (event.seq, self.state.seq)
        self.state.seq = event.seq
        self.commands.append(EmitRunEvent(event=event))

    def flush(self, scope: str) -> None:
        """Stream what the response sessions of ``scope`` can emit now."""
        target = scope_of(self.state, scope)
        graph = self.graph_of(scope)
        if not target.stream.queue:
            return
        name, field, base = self.chunk_event(scope)

        def sink(text: str, selector: list[str]) -> None:
            self.emit(name, {**base, field: text, "from_variable_selector": selector})

        streaming.flush(target, graph, pool_of(self.state, scope), sink)

    # -- the work queue ----------------------------------------------------------------------

    def enqueue(self, scope: str, node_id: str, predecessor: str | None) -> None:
        self.queued.add((scope, node_id))
        self.ready.append((scope, node_id, predecessor))

    def pump(self) -> None:
        """Run ready nodes and complete settled frames until nothing is left, then settle the run."""
        state = self.state
        while not state.finished:
            if self.ready:
                scope, node_id, predecessor = self.ready.popleft()
                if scope and scope not in state.frames:
                    continue  # the frame was abandoned (its container failed)
                self.start_node(scope, node_id, predecessor)
            elif self.dirty:
                frame = next(iter(self.dirty))
                del self.dirty[frame]
                if frame in state.frames and self.frame_settled(frame):
                    self.complete_frame(frame)
            else:
                break
        self.settle()

    def frame_settled(self, frame: str) -> bool:
        return not any(n.status in ("running", "paused") for n in self.state.frames[frame].nodes.values())

    def settle(self) -> None:
        """Finish the run when nothing is in flight; pause it when only human input is awaited."""
        state = self.state
        if state.finished or state.status == "paused" or self.ready or state.tasks:
            return
        if state.paused:
            self.pause()
        else:
            self.finish("succeeded", None)

    def finish(self, status: str, error: str | None) -> None:
        state = self.state
        if status == "succeeded" and state.exceptions_count:
            status = "partial-succeeded"
        state.status = status  # type: ignore[assignment]
        state.error = error
        state.finished_at = self.at
        outputs = {"answer": state.answer} if state.app_mode == "advanced-chat" else dict(state.outputs)
        self.emit("workflow_finished", workflow_finished(state, outputs))
