"""Workflow runs as the gateway sees them: the request it publishes and what it answers with."""

from __future__ import annotations

import time
import uuid
from typing import Any

from pydantic_core import to_json
from riverflow.contracts.events.v1 import RunEvent, RunRequested
from riverflow.gateway.records import AppRecord, RunRecord, VersionRecord

__all__ = [
    "PING_FRAME",
    "build_run_request",
    "new_run_record",
    "frame",
    "finish_record",
    "run_data",
    "blocking_body",
]

PING_FRAME = b"event: ping\n\n"


def build_run_request(
    app: AppRecord,
    version: VersionRecord,
    inputs: dict[str, Any],
    user: str,
    files: list[Any] | None = None,
    invoke_from: str = "service-api",
    *,
    dsl: str | None = None,
    system: dict[str, Any] | None = None,
    conversation_variables: dict[str, Any] | None = None,
) -> RunRequested:
    """The self-contained ``RunRequested``: DSL text (``dsl`` overrides the version's), inputs and
    the ``sys.*`` values (``system`` adds to them: query, conversation_id, message_id...)."""
    run_id, task_id = str(uuid.uuid4()), str(uuid.uuid4())
    values = {
        "user_id": user,
        "app_id": app.id,
        "workflow_id": version.id,
        "workflow_run_id": run_id,
        "workspace_id": app.workspace_id,
        "files": list(files or []),
    }
    values.update(system or {})
    return RunRequested(
        event_id=run_id,
        run_id=run_id,
        task_id=task_id,
        app_id=app.id,
        workspace_id=app.workspace_id,
        app_mode=app.mode,
        workflow_id=version.id,
        dsl=dsl if dsl is not None else version.dsl,
        inputs=inputs,
        user=user,
        system=values,
        conversation_variables=conversation_variables,
        invoke_from=invoke_from,
        at=time.time(),
    )


def new_run_record(request: RunRequested, **fields: Any) -> RunRecord:
    """The ``running`` record of ``request`` (``fields``: mode, conversation and message ids...)."""
    return RunRecord(
        id=request.run_id,
        app_id=request.app_id,
        workflow_id=request.workflow_id,
        task_id=request.task_id,
        status="running",
        inputs=request.inputs,
        user=request.user,
        created_at=request.at,
        mode=request.app_mode,
        **fields,
    )


def _envelope(event: RunEvent) -> dict[str, Any]:
    if event.event == "error":  # Dify's in-stream error: flat fields, no task_id
        return {"event": "error", "workflow_run_id": event.run_id, **event.data}
    return {
        "event": event.event,
        "task_id": event.task_id,
        "workflow_run_id": event.run_id,
        "data": event.data,
    }


def sse_frame(body: dict[str, Any]) -> bytes:
    """One SSE data frame: ``data: <one-line JSON>\\n\\n``, UTF-8 unescaped, compact."""
    # pydantic-core's serializer: a third of json.dumps' time per frame, and a run sends one per event.
    return b"data: " + to_json(body, fallback=str) + b"\n\n"


def frame(event: RunEvent) -> bytes:
    """A run event's SSE data frame, in the workflow envelope."""
    return sse_frame(_envelope(event))


def finish_record(run: RunRecord, terminal: RunEvent) -> RunRecord:
    """``run`` completed from its terminal event (``workflow_finished`` or ``error``)."""
    data = terminal.data
    if terminal.event == "workflow_finished":
        run.status = str(data.get("status") or "succeeded")
        run.outputs = data.get("outputs") or {}
        run.error = data.get("error")
        run.elapsed_time = float(data.get("elapsed_time") or 0.0)
        run.total_steps = int(data.get("total_steps") or 0)
        run.total_tokens = int(data.get("total_tokens") or 0)
        finished = data.get("finished_at")
    else:
        run.status = "paused" if terminal.event == "workflow_paused" else "failed"
        run.outputs = data.get("outputs") or {}
        run.error = data.get("message") if terminal.event == "error" else data.get("error")
        finished = None
    run.finished_at = float(finished) if isinstance(finished, int | float) else float(terminal.created_at)
    if not run.elapsed_time and run.finished_at >= run.created_at:
        run.elapsed_time = run.finished_at - run.created_at
    return run


def run_data(run: RunRecord) -> dict[str, Any]:
    """The run as Dify's ``data`` object / ``GET /workflows/run/{id}`` body."""
    return {
        "id": run.id,
        "workflow_id": run.workflow_id,
        "status": run.status,
        "inputs": run.inputs,
        "outputs": run.outputs if run.outputs is not None else {},
        "error": run.error,
        "elapsed_time": run.elapsed_time,
        "total_tokens": run.total_tokens,
        "total_steps": run.total_steps,
        "created_at": int(run.created_at),
        "finished_at": int(run.finished_at) if run.finished_at is not None else None,
    }


def blocking_body(request: RunRequested, terminal: RunEvent) -> dict[str, Any]:
    """The blocking reply ``{task_id, workflow_run_id, data}`` (HTTP 200 even for a failed run)."""
    run = finish_record(new_run_record(request), terminal)
    data = run_data(run)
    data.pop("inputs")
    return {"task_id": request.task_id, "workflow_run_id": request.run_id, "data": data}
