"""Workflow apps: run (blocking, streaming, a given version), run detail, stop, resume, the run logs."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from riverflow.gateway import generation, resumption
from riverflow.gateway.api.deps import AppDep, ServicesDep
from riverflow.gateway.api.service.bodies import ResumeBody, StopBody, WorkflowRunBody
from riverflow.gateway.api.service.common import published_version, require_user, resolved_files
from riverflow.gateway.app_runtime import runnable
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import AppRecord, RunQuery, RunRecord
from riverflow.gateway.runs import run_data

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["workflow"])


def _require_workflow(app: AppRecord) -> None:
    if app.mode != "workflow":
        raise ApiError(400, "not_workflow_app", "Please check if your app mode matches the right API route.")


async def _run(body: WorkflowRunBody, app: AppRecord, svc: Any, version_id: str | None) -> Any:
    _require_workflow(app)
    user = require_user(body.user)
    version = await published_version(svc, app, version_id)
    app_runtime = runnable(app.mode, version.dsl)
    inputs = generation.validated_inputs(app_runtime, body.inputs)
    files = await resolved_files(svc, app, body.files)
    started = await generation.start(svc, app, version, app_runtime, inputs=inputs, user=user, files=files)
    return await generation.respond(svc, started, body.response_mode == "streaming")


@router.post("/workflows/run", summary="Run the published workflow")
async def run_workflow(body: WorkflowRunBody, app: AppDep, svc: ServicesDep) -> Any:
    return await _run(body, app, svc, None)


@router.post("/workflows/{workflow_id}/run", summary="Run a given published version of the workflow")
async def run_workflow_version(workflow_id: str, body: WorkflowRunBody, app: AppDep, svc: ServicesDep) -> Any:
    return await _run(body, app, svc, workflow_id)


@router.get("/workflows/run/{workflow_run_id}", summary="A workflow run's detail")
async def get_workflow_run(workflow_run_id: str, app: AppDep, svc: ServicesDep) -> dict[str, Any]:
    if app.mode not in ("workflow", "advanced-chat"):
        raise ApiError(400, "not_workflow_app", "Please check if your app mode matches the right API route.")
    run = await svc.store.get_run(app.id, workflow_run_id)
    if run is None:
        raise ApiError(404, "not_found", "Workflow run not found.")
    return run_data(run)


@router.post(
    "/workflows/runs/{workflow_run_id}/resume",
    summary="Resume a failed workflow run from its failed node (finished nodes are not run again)",
)
async def resume_workflow_run(workflow_run_id: str, body: ResumeBody, app: AppDep, svc: ServicesDep) -> Any:
    _require_workflow(app)
    user = require_user(body.user)
    return await resumption.resume(svc, app, workflow_run_id, user, body.response_mode == "streaming")


@router.post("/workflows/tasks/{task_id}/stop", summary="Stop a workflow run")
async def stop_workflow(task_id: str, body: StopBody, app: AppDep, svc: ServicesDep) -> dict[str, str]:
    _require_workflow(app)
    return await generation.stop(svc, app, task_id, require_user(body.user))


@router.post(
    "/workflows/{task_id}/stop", summary="Stop a workflow run (legacy path)", include_in_schema=False
)
async def stop_workflow_legacy(task_id: str, body: StopBody, app: AppDep, svc: ServicesDep) -> dict[str, str]:
    return await stop_workflow(task_id, body, app, svc)


def _timestamp(value: str | None, name: str) -> float | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    except ValueError:
        raise ApiError(400, "invalid_param", f"{name} must be an ISO-8601 time.", params=name) from None


def _log_item(run: RunRecord, end_user: Any) -> dict[str, Any]:
    created_by_end_user = None
    if end_user is not None:
        created_by_end_user = {
            "id": end_user.id,
            "type": end_user.type,
            "is_anonymous": end_user.is_anonymous,
            "session_id": end_user.session_id,
        }
    return {
        "id": run.id,
        "workflow_run": {
            "id": run.id,
            "version": run.workflow_id,
            "status": run.status,
            "error": run.error,
            "elapsed_time": run.elapsed_time,
            "total_tokens": run.total_tokens,
            "total_steps": run.total_steps,
            "created_at": int(run.created_at),
            "finished_at": int(run.finished_at) if run.finished_at is not None else None,
            "exceptions_count": run.exceptions_count,
            "triggered_from": "app-run",
        },
        "created_from": run.created_from,
        "created_by_role": "end_user" if end_user is not None else "account",
        "created_by_account": None,
        "created_by_end_user": created_by_end_user,
        "created_at": int(run.created_at),
        "details": None,
    }


@router.get("/workflows/logs", summary="The app's workflow run logs")
async def workflow_logs(
    app: AppDep,
    svc: ServicesDep,
    keyword: str | None = None,
    status: Annotated[
        str | None, Query(pattern="^(succeeded|failed|stopped|running|partial-succeeded)$")
    ] = None,
    page: Annotated[int, Query(ge=1, le=99999)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    created_at__before: str | None = None,
    created_at__after: str | None = None,
    created_by_end_user_session_id: str | None = None,
    created_by_account: str | None = None,
) -> dict[str, Any]:
    if app.mode not in ("workflow", "advanced-chat"):
        raise ApiError(400, "not_workflow_app", "Please check if your app mode matches the right API route.")
    query = RunQuery(
        keyword=keyword,
        status=status,
        created_before=_timestamp(created_at__before, "created_at__before"),
        created_after=_timestamp(created_at__after, "created_at__after"),
        user=created_by_end_user_session_id,
        page=page,
        limit=limit,
        created_from="service-api",  # as in Dify, the console's debug runs are not app logs
    )
    if created_by_account:  # runs started by console accounts are not listed here yet
        return {"page": page, "limit": limit, "total": 0, "has_more": False, "data": []}
    runs, total = await svc.store.list_runs(app.id, query)
    items = []
    for run in runs:
        end_user = await svc.store.get_end_user(app.id, run.end_user_id) if run.end_user_id else None
        items.append(_log_item(run, end_user))
    return {"page": page, "limit": limit, "total": total, "has_more": page * limit < total, "data": items}
