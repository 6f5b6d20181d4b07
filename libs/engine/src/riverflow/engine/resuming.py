"""Resume a failed run: run its failed (and interrupted) top-level nodes again, keep the rest."""

from __future__ import annotations

from typing import TYPE_CHECKING

from riverflow.engine import streaming
from riverflow.engine.dsl.node_types import CONTAINER_NODE_TYPES
from riverflow.engine.payloads import workflow_started
from riverflow.engine.state import NodeRun, RunState

if TYPE_CHECKING:
    from riverflow.engine.step import StepCore

__all__ = ["Resuming", "resumable"]

#: Top-level nodes a resume starts again: the one that failed the run, and any still in flight
#: when it did (their results were ignored once the run had finished).
_RESTART_STATUSES = ("failed", "running")


def _to_restart(state: RunState) -> list[NodeRun]:
    return [run for run in state.nodes.values() if run.status in _RESTART_STATUSES]


def resumable(state: RunState) -> bool:
    """True when ``state`` is a run that failed at a top-level node outside any container.

    Runs that failed before any node ran (bad DSL or inputs) have nothing to resume; a failure
    inside an iteration or loop is not resumable yet (the container's frames are not rebuilt).
    """
    if state.status != "failed":
        return False
    restart = _to_restart(state)
    return any(r.status == "failed" for r in restart) and not any(
        r.node_type in CONTAINER_NODE_TYPES for r in restart
    )


class Resuming:
    """Resume for ``StepCore`` (a mixin)."""

    def resume(self: StepCore) -> None:
        """Start the failed nodes again with fresh attempt numbers; finished nodes keep outputs."""
        state = self.state
        restart = sorted(_to_restart(state), key=lambda r: r.index)
        state.status = "running"
        state.error = None
        state.finished_at = None
        self.emit("workflow_started", workflow_started(state, reason="resumption"))
        # Tasks still awaited when the run failed belong to attempts that will never count now.
        for key in [k for k, ref in state.tasks.items() if not ref.scope]:
            del state.tasks[key]
        for run in restart:
            attempt = run.attempt + 1  # a new idempotency key: the old attempt's is spent
            del state.nodes[run.node_id]
            self.restarts[("", run.node_id)] = attempt
            streaming.reset_buffers(state, run.node_id, attempt)
            self.enqueue("", run.node_id, run.predecessor_node_id)
        self.pump()
