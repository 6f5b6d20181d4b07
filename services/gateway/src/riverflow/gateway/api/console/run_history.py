"""An app's run history in the console, in Dify's shapes: the runs (debug runs of the draft by default,
or the Service API's), one run's detail and its node executions. Viewers and above may read them."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from riverflow.gateway.api.console.access import ConsoleUser, require_role, workspace_app
from riverflow.gateway.api.console.apps import parse_dsl
from riverflow.gateway.api.console.draft_run import draft_workflow_id
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import AppRecord, NodeExecutionRecord, RunQuery, RunRecord

__all__ = ["router", "execution_body", "RunBodies"]

router = APIRouter(prefix="/console/api", tags=["console-runs"])

Viewer = Annotated[ConsoleUser, Depends(require_role("viewer"))]

_WORKFLOW_MODES = ("workflow", "advanced-chat")
#: Dify's ``triggered_from`` and the ``created_from`` Riverflow records.
_TRIGGERS = {"debugging": "console", "app-run": "service-api"}
#: A run's ``triggered_from`` by its ``created_from``; console ones are an account's.
_TRIGGERED_FROM = {"console": "debugging", "single-step": "single-step", "service-api": "app-run"}
_BY_ACCOUNT = ("console", "single-step")


class RunBodies:
    """What the run bodies name beside the run: version labels and console accounts, read once."""

    def __init__(self, svc: Any, app: AppRecord) -> None:
        self.svc, self.app = svc, app
        self._versions: dict[str, str] | None = None
        self._accounts: dict[str, dict[str, Any] | None] = {}

    async def version(self, run: RunRecord) -> str:
        if run.workflow_id == draft_workflow_id(self.app.id):
            return "draft"
        if self._versions is None:
            self._versions = {v.id: str(v.version) for v in await self.svc.store.list_versions(self.app.id)}
        return self._versions.get(run.workflow_id, run.workflow_id)

    async def account(self, run: RunRecord) -> dict[str, Any] | None:
        if run.created_from not in _BY_ACCOUNT or run.user == "console":
            return None
        if run.user not in self._accounts:
            account = await self.svc.store.get_account(run.user)
            self._accounts[run.user] = (
                None if account is None else {"id": account.id, "name": account.name, "email": account.email}
            )
        return self._accounts[run.user]

    async def item(self, run: RunRecord) -> dict[str, Any]:
        body = {
            "id": run.id,
            "version": await self.version(run),
            "status": run.status,
            "error": run.error,
            "elapsed_time": run.elapsed_time,
            "total_tokens": run.total_tokens,
            "total_steps": run.total_steps,
            "created_by_account": await self.account(run),
            "created_at": int(run.created_at),
            "finished_at": int(run.finished_at) if run.finished_at is not None else None,
            "exceptions_count": run.exceptions_count,
            "retry_index": 0,
            "triggered_from": _TRIGGERED_FROM.get(run.created_from, "app-run"),
        }
        if run.mode == "advanced-chat":
            body.update(conversation_id=run.conversation_id, message_id=run.message_id)
        return body


async def _workflow_app(request: Request, app_id: str, user: ConsoleUser) -> AppRecord:
    app = await workspace_app(request, app_id, user)
    if app.mode not in _WORKFLOW_MODES:
        raise ApiError(400, "not_workflow_app", "Please check if your app mode matches the right API route.")
    return app


async def _run(svc: Any, app: AppRecord, run_id: str) -> RunRecord:
    run = await svc.store.get_run(app.id, run_id)
    if run is None:
        raise ApiError(404, "not_found", "Workflow run not found.")
    return run


def _after(run: RunRecord, last: RunRecord) -> bool:
    """Whether ``run`` comes after ``last`` in the newest-first order (created_at, then id)."""
    return (run.created_at, run.id) < (last.created_at, last.id)


@router.get("/apps/{app_id}/workflow-runs", summary="The app's workflow runs, newest first")
@router.get("/apps/{app_id}/advanced-chat/workflow-runs", summary="The chatflow's runs, newest first")
async def list_runs(
    app_id: str,
    request: Request,
    user: Viewer,
    svc: ServicesDep,
    last_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    status: Literal["running", "succeeded", "failed", "stopped", "partial-succeeded"] | None = None,
    triggered_from: Literal["debugging", "app-run"] = "debugging",
) -> dict[str, Any]:
    """Dify's keyset page: ``last_id`` is the last run of the previous page."""
    app = await _workflow_app(request, app_id, user)
    created_before = None
    last = None
    if last_id:
        last = await _run(svc, app, last_id)
        created_before = last.created_at
    # One extra run says whether there is a next page; a few more cover runs created in the same instant.
    query = RunQuery(
        status=status,
        created_before=created_before,
        limit=limit + 1 + (8 if last else 0),
        created_from=_TRIGGERS[triggered_from],
    )
    runs, _ = await svc.store.list_runs(app.id, query)
    if last is not None:
        runs = [run for run in runs if _after(run, last)]
    bodies = RunBodies(svc, app)
    return {
        "limit": limit,
        "has_more": len(runs) > limit,
        "data": [await bodies.item(run) for run in runs[:limit]],
    }


@router.get("/apps/{app_id}/workflow-runs/{run_id}", summary="One workflow run")
async def get_run(
    app_id: str, run_id: str, request: Request, user: Viewer, svc: ServicesDep
) -> dict[str, Any]:
    app = await _workflow_app(request, app_id, user)
    run = await _run(svc, app, run_id)
    bodies = RunBodies(svc, app)
    body = await bodies.item(run)
    version = None if body["version"] == "draft" else await svc.store.get_version(app.id, run.workflow_id)
    graph = None
    if version is not None:  # a draft run's graph is the draft as it was: not kept
        graph = parse_dsl(version.dsl).raw.get("workflow", {}).get("graph")
    return {
        **body,
        "graph": graph,
        "inputs": run.inputs,
        "outputs": run.outputs if run.outputs is not None else {},
        "created_by_role": "account" if run.created_from in _BY_ACCOUNT else "end_user",
        "created_by_end_user": None if run.created_from in _BY_ACCOUNT else {"id": run.end_user_id},
    }


def execution_body(execution: NodeExecutionRecord) -> dict[str, Any]:
    """A node execution in Dify's console shape (a run's node executions, a single-step run)."""
    return {
        "id": execution.id,
        "index": execution.index,
        "predecessor_node_id": execution.predecessor_node_id,
        "node_id": execution.node_id,
        "node_type": execution.node_type,
        "title": execution.title,
        "inputs": execution.inputs,
        "process_data": execution.process_data,
        "outputs": execution.outputs,
        "status": execution.status,
        "error": execution.error,
        "elapsed_time": execution.elapsed_time,
        "execution_metadata": execution.execution_metadata,
        "extras": {},
        "created_at": int(execution.created_at),
        "finished_at": int(execution.finished_at) if execution.finished_at is not None else None,
    }


@router.get(
    "/apps/{app_id}/workflow-runs/{run_id}/node-executions", summary="A run's node executions, in order"
)
async def node_executions(
    app_id: str, run_id: str, request: Request, user: Viewer, svc: ServicesDep
) -> dict[str, Any]:
    app = await _workflow_app(request, app_id, user)
    run = await _run(svc, app, run_id)
    return {"data": [execution_body(e) for e in await svc.store.list_node_executions(run.id)]}
