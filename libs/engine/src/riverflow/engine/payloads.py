"""Builders of Dify stream-event ``data`` payloads (dify-service-api.md §3.3)."""

from __future__ import annotations

import uuid
from typing import Any

from riverflow.engine.state import NodeRun, RunState

__all__ = ["stable_id", "node_started", "node_finished", "workflow_started", "workflow_finished"]


def stable_id(*parts: object) -> str:
    """Deterministic id (uuid5) so that re-folding a run yields identical events."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "riverflow:" + ":".join(str(p) for p in parts)))


def workflow_started(state: RunState) -> dict[str, Any]:
    """``workflow_started`` data."""
    return {
        "id": state.run_id,
        "workflow_id": state.workflow_id,
        "inputs": state.inputs,
        "created_at": int(state.started_at),
        "reason": "initial",
    }


def node_started(run: NodeRun, title: str) -> dict[str, Any]:
    """``node_started`` data."""
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
        "iteration_id": None,
        "loop_id": None,
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
) -> dict[str, Any]:
    """``node_finished`` (and, with ``retry_index`` added, ``node_retry``) data."""
    data = node_started(run, title)
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
    """``workflow_finished`` data."""
    finished_at = state.finished_at if state.finished_at is not None else state.started_at
    return {
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
