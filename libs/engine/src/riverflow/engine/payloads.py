"""Builders of Dify stream-event ``data`` payloads (dify-service-api.md §3.3)."""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

from riverflow.contracts.events.v1 import RunEvent, RunRequested
from riverflow.engine.state import NodeRun, RunState

__all__ = [
    "stable_id",
    "node_started",
    "node_finished",
    "workflow_started",
    "opening_event",
    "workflow_finished",
    "workflow_paused",
    "container_started",
    "container_next",
    "container_completed",
]


_NAMESPACE = uuid.NAMESPACE_URL.bytes


def stable_id(*parts: object) -> str:
    """Deterministic id (uuid5) so that re-folding a run yields identical events.

    Equal to ``str(uuid.uuid5(NAMESPACE_URL, "riverflow:" + ":".join(parts)))``, computed directly
    because it is on every node's path.
    """
    name = "riverflow:" + ":".join(str(p) for p in parts)
    digest = bytearray(hashlib.sha1(_NAMESPACE + name.encode("utf-8"), usedforsecurity=False).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50
    digest[8] = (digest[8] & 0x3F) | 0x80
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def workflow_started(state: RunState, reason: str = "initial") -> dict[str, Any]:
    """``workflow_started`` data (``reason`` is ``resumption`` when a paused run goes on)."""
    return _started(state.run_id, state.workflow_id, state.inputs, state.started_at, reason)


def _started(run_id: str, workflow_id: str, inputs: dict[str, Any], at: float, reason: str) -> dict[str, Any]:
    return {
        "id": run_id,
        "workflow_id": workflow_id,
        "inputs": inputs,
        "created_at": int(at),
        "reason": reason,
    }


def opening_event(request: RunRequested, inputs: dict[str, Any]) -> RunEvent:
    """A run's first logged event when it starts cleanly (``inputs`` validated): ``workflow_started``
    at seq 1, stamped with the request's time. It depends on the request alone, so a gateway
    that accepted the run can send the very same event before an orchestrator has taken it up."""
    return RunEvent(
        run_id=request.run_id,
        task_id=request.task_id,
        seq=1,
        event="workflow_started",
        data=_started(request.run_id, request.workflow_id, inputs, request.at, "initial"),
        created_at=int(request.at),
    )


def node_started(
    run: NodeRun, title: str, iteration_id: str | None = None, loop_id: str | None = None
) -> dict[str, Any]:
    """``node_started`` data (``iteration_id`` / ``loop_id`` for nodes inside containers)."""
    return {
        "id": run.execution_id,
        "node_id": run.node_id,
        "node_type": run.node_type,
        "title": title,
        "index": run.index,
        "predecessor_node_id": run.predecessor_node_id,
        "inputs": {},
        "created_at": int(run.started_at),
        "extras": {},
        "iteration_id": iteration_id,
        "loop_id": loop_id,
    }


def node_finished(
    run: NodeRun,
    title: str,
    *,
    at: float,
    status: str,
    outputs: dict[str, Any] | None,
    inputs: dict[str, Any] | None = None,
    process_data: dict[str, Any] | None = None,
    error: str | None = None,
    metadata: dict[str, Any] | None = None,
    iteration_id: str | None = None,
    loop_id: str | None = None,
) -> dict[str, Any]:
    """``node_finished`` (and, with ``retry_index`` added, ``node_retry``) data."""
    data = node_started(run, title, iteration_id, loop_id)
    data.update(
        {
            "inputs": inputs if inputs is not None else {},
            "process_data": process_data,
            "outputs": outputs,
            "status": status,
            "error": error,
            "elapsed_time": round(max(0.0, at - run.started_at), 6),
            "execution_metadata": metadata or {},
            "finished_at": int(at),
            "files": [],
        }
    )
    return data


def workflow_finished(state: RunState, outputs: dict[str, Any]) -> dict[str, Any]:
    """``workflow_finished`` data, plus ``conversation_variables`` (final values) when the app has any."""
    finished_at = state.finished_at if state.finished_at is not None else state.started_at
    data = {
        "id": state.run_id,
        "workflow_id": state.workflow_id,
        "status": state.status,
        "outputs": outputs,
        "error": state.error,
        "elapsed_time": round(max(0.0, finished_at - state.started_at), 6),
        "total_tokens": state.total_tokens,
        "total_steps": state.steps,
        "created_by": {},
        "created_at": int(state.started_at),
        "finished_at": int(finished_at),
        "exceptions_count": state.exceptions_count,
        "files": [],
    }
    if state.variables.get("conversation"):
        data["conversation_variables"] = state.conversation_variables
    return data


def workflow_paused(state: RunState, at: float, reasons: list[dict[str, Any]]) -> dict[str, Any]:
    """``workflow_paused`` data: which nodes wait for a human, and why."""
    return {
        "workflow_run_id": state.run_id,
        "paused_nodes": [r["node_id"] for r in reasons],
        "outputs": {},
        "reasons": reasons,
        "status": "paused",
        "created_at": int(state.started_at),
        "elapsed_time": round(max(0.0, at - state.started_at), 6),
        "total_tokens": state.total_tokens,
        "total_steps": state.steps,
    }


def container_started(
    node_id: str, node_type: str, title: str, at: float, inputs: dict[str, Any], metadata: dict[str, Any]
) -> dict[str, Any]:
    """``iteration_started`` / ``loop_started`` data."""
    return {
        "id": node_id,
        "node_id": node_id,
        "node_type": node_type,
        "title": title,
        "created_at": int(at),
        "extras": {},
        "metadata": metadata,
        "inputs": inputs,
    }


def container_next(node_id: str, node_type: str, title: str, at: float, index: int) -> dict[str, Any]:
    """``iteration_next`` / ``loop_next`` data (``index`` is 0-based)."""
    data: dict[str, Any] = {
        "id": node_id,
        "node_id": node_id,
        "node_type": node_type,
        "title": title,
        "index": index,
        "created_at": int(at),
        "extras": {},
    }
    data["pre_iteration_output" if node_type == "iteration" else "pre_loop_output"] = {}
    return data


def container_completed(
    node_id: str,
    node_type: str,
    title: str,
    *,
    started_at: float,
    at: float,
    inputs: dict[str, Any],
    outputs: dict[str, Any] | None,
    error: str | None,
    steps: int,
    metadata: dict[str, Any],
) -> dict[str, Any]:
    """``iteration_completed`` / ``loop_completed`` data."""
    return {
        "id": node_id,
        "node_id": node_id,
        "node_type": node_type,
        "title": title,
        "outputs": outputs,
        "inputs": inputs,
        "status": "succeeded" if error is None else "failed",
        "error": error,
        "elapsed_time": round(max(0.0, at - started_at), 6),
        "total_tokens": 0,
        "execution_metadata": metadata,
        "created_at": int(started_at),
        "finished_at": int(at),
        "steps": steps,
        "extras": {},
    }
