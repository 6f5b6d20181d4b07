"""Resume a failed run: run its failed (and interrupted) nodes again, keep the rest.

Inside iterations and loops too: when a failure inside a container fails the run, the container's
progress (finished items or rounds, the in-flight frames with their finished nodes) is kept in the
state (``Containers.frame_failed``). A resume revives each such container: finished items and
rounds keep their outputs, and in the frames that were in flight only the failed and interrupted
nodes run again, with fresh attempt numbers.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from riverflow.engine import streaming
from riverflow.engine.dsl.node_types import CONTAINER_NODE_TYPES
from riverflow.engine.payloads import (
    container_next,
    container_started,
    node_started,
    stable_id,
    workflow_started,
)
from riverflow.engine.scopes import container_key, scope_of
from riverflow.engine.state import ContainerRun, NodeRun, RunState

if TYPE_CHECKING:
    from riverflow.engine.step import StepCore

__all__ = ["Resuming", "resumable"]

#: Nodes a resume starts again: the one that failed the run, and any still in flight when it
#: did (their results were ignored once the run had finished).
_RESTART_STATUSES = ("failed", "running")


def _to_restart(nodes: dict[str, NodeRun]) -> list[NodeRun]:
    return sorted((r for r in nodes.values() if r.status in _RESTART_STATUSES), key=lambda r: r.index)


def resumable(state: RunState) -> bool:
    """True when ``state`` is a run that failed at a node (at the top level or inside a container).

    Runs that failed before any node ran (bad DSL or inputs) have nothing to resume.
    """
    return state.status == "failed" and any(r.status == "failed" for r in state.nodes.values())


class Resuming:
    """Resume for ``StepCore`` (a mixin)."""

    def resume(self: StepCore) -> None:
        """Start the failed nodes again with fresh attempt numbers; finished nodes keep outputs."""
        state = self.state
        state.status = "running"
        state.error = None
        state.finished_at = None
        self.emit("workflow_started", workflow_started(state, reason="resumption"))
        # Tasks still awaited when the run failed belong to attempts that will never count now.
        state.tasks.clear()
        self._restart_scope("")
        self.pump()

    def _restart_scope(self: StepCore, scope: str) -> None:
        """Restart the failed and interrupted nodes of ``scope``; revive the containers among them."""
        target = scope_of(self.state, scope)
        for run in _to_restart(target.nodes):
            if (
                run.node_type in CONTAINER_NODE_TYPES
                and container_key(scope, run.node_id) in self.state.containers
            ):
                self._revive_container(scope, run)
                continue
            attempt = run.attempt + 1  # a new idempotency key: the old attempt's is spent
            del target.nodes[run.node_id]
            self.restarts[(scope, run.node_id)] = attempt
            streaming.reset_buffers(target, run.node_id, attempt)
            self.enqueue(scope, run.node_id, run.predecessor_node_id)
        self._requeue_ready(scope)

    def _requeue_ready(self: StepCore, scope: str) -> None:
        """Nodes that were ready but not started when the run failed are started now."""
        graph = self.graph_of(scope)
        target = scope_of(self.state, scope)
        if scope and not target.nodes and graph.root_id is not None:
            self.enqueue(scope, graph.root_id, None)  # a frame that never got to its first node
            return
        for node_id, edges in graph.in_edges.items():
            taken = [e.source for e in edges if target.edges.get(e.id) == "taken"]
            if taken and node_id not in target.nodes and node_id not in target.skipped:
                self.check_ready(scope, node_id, taken[0])

    def _revive_container(self: StepCore, scope: str, run: NodeRun) -> None:
        """A container interrupted by the failure goes on: a new execution of the node that keeps
        the finished items / rounds and continues the frames that were in flight."""
        container = self.state.containers[container_key(scope, run.node_id)]
        run.status, run.error = "running", None
        run.attempt += 1
        run.execution_id = (
            stable_id(self.state.run_id, run.node_id, run.attempt)
            if not scope
            else stable_id(self.state.run_id, scope, run.node_id, run.attempt)
        )
        run.started_at = self.at
        title = self.graph_of(scope).title(run.node_id)
        self.emit("node_started", node_started(run, title, **self.tags(scope)))
        length = (
            {"iteration_length": len(container.items)}
            if container.kind == "iteration"
            else {"loop_length": container.loop_count}
        )
        self.emit(
            f"{container.kind}_started",
            container_started(run.node_id, container.kind, title, self.at, container.inputs, length),
        )
        if not container.frames:
            self._continue_container(container)
            return
        for fid in list(container.frames):
            index = self.state.frames[fid].index
            if container.kind == "iteration" or index > 0:
                self.emit(
                    f"{container.kind}_next",
                    container_next(run.node_id, container.kind, title, self.at, index),
                )
            self._restart_scope(fid)
            self.dirty[fid] = True

    def _continue_container(self: StepCore, container: ContainerRun) -> None:
        """No frame was in flight (a loop whose break check failed between rounds): go on."""
        if container.kind == "iteration":
            self._continue_iteration(container)
        else:
            self.next_round(container, container.completed - 1, reached=False)
