"""Resuming a failed run: check it is the app's and failed, publish ``RunResumeRequested``, relay.

The orchestrator re-runs the failed node(s) only; nodes that succeeded keep their outputs. The
reply is the one of ``/workflows/run`` for the run's new events (those after its last one so far).
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from riverflow.contracts.events.v1 import RunRequested, RunResumeRequested
from riverflow.gateway.api.deps import Services
from riverflow.gateway.errors import ApiError
from riverflow.gateway.generation import Generation, respond
from riverflow.gateway.ports import BusUnavailable, RunQueueFull
from riverflow.gateway.records import AppRecord, RunRecord
from riverflow.gateway.reply_stream import ReplyContext

__all__ = ["resume"]


async def resume(svc: Services, app: AppRecord, run_id: str, user: str, streaming: bool) -> Any:
    """Resume the app's failed run ``run_id`` and answer as the run's own request would."""
    run = await svc.store.get_run(app.id, run_id)
    if run is None:
        raise ApiError(404, "not_found", "Workflow run not found.")
    if run.status != "failed":
        raise ApiError(400, "invalid_param", "Only a failed run can be resumed.")
    executions = await svc.store.list_node_executions(run.id)
    if not any(e.status == "failed" for e in executions):
        # The engine would ignore the request (nothing to run again): refuse it instead of waiting.
        raise ApiError(
            400,
            "invalid_param",
            f"This run failed before any node ran ({run.error or 'no error recorded'}); "
            "there is no failed node to resume from. Start a new run instead.",
        )
    after = await svc.bus.last_seq(run.id)
    failed = (run.status, run.error, run.finished_at)
    # Running again: the logs say so, a second resume is refused, and the recorder's next
    # terminal event is awaited anew (it overwrites the outcome when the run finishes).
    run.status, run.error, run.finished_at = "running", None, None
    await svc.store.finish_run(run)
    svc.recorder.reopen(run.id)
    event = RunResumeRequested(
        event_id=f"{run.id}:resume:{uuid.uuid4().hex}", run_id=run.id, user=user, at=time.time()
    )
    try:
        await svc.bus.publish_resume(event)
    except (RunQueueFull, BusUnavailable):
        run.status, run.error, run.finished_at = failed
        await svc.store.finish_run(run)
        raise
    return await respond(svc, _generation(run), streaming, after_seq=after)


def _generation(run: RunRecord) -> Generation:
    """The reply's identity: the original run's ids, times and inputs (its DSL is not needed)."""
    request = RunRequested(
        event_id=run.id,
        run_id=run.id,
        task_id=run.task_id,
        app_id=run.app_id,
        app_mode=run.mode,
        workflow_id=run.workflow_id,
        dsl="",
        inputs=dict(run.inputs or {}),
        user=run.user,
        at=run.created_at,
    )
    context = ReplyContext(run.mode, run.task_id, run.id, run.message_id, run.conversation_id)
    return Generation(request, context)
