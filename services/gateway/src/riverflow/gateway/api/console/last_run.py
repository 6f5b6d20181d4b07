"""A node's last run in the draft, as Dify's node panel shows it ("Last run").

``GET /console/api/apps/{app_id}/workflows/draft/nodes/{node_id}/last-run`` answers the node's newest
execution in a run of the draft, as Dify does (its executions of the draft workflow): a single-step
run (``triggered_from: "single-step"``) or a debug run of the whole draft (``"workflow-run"``); 404
when there is none. Published runs (the Service API's) are not the draft's and never count.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from riverflow.gateway.api.console.access import ConsoleUser, require_role, workspace_app
from riverflow.gateway.api.console.draft_run import draft_workflow_id
from riverflow.gateway.api.console.run_history import RunBodies
from riverflow.gateway.api.console.single_step import SINGLE_STEP, step_body
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import RunQuery, RunRecord

__all__ = ["router", "SCANNED_RUNS"]

router = APIRouter(prefix="/console/api", tags=["console-runs"])

Viewer = Annotated[ConsoleUser, Depends(require_role("viewer"))]

#: How many of the newest runs of each kind are searched: the store has no per-node index, and a
#: node's last run is nearly always among the latest (the panel asks right after a run).
SCANNED_RUNS = 50


async def _draft_runs(svc: Any, app_id: str) -> list[RunRecord]:
    """The newest single-step and debug runs of the draft, newest first."""
    runs: list[RunRecord] = []
    for created_from in (SINGLE_STEP, "console"):
        found, _ = await svc.store.list_runs(app_id, RunQuery(created_from=created_from, limit=SCANNED_RUNS))
        runs.extend(found)
    draft = draft_workflow_id(app_id)
    runs = [run for run in runs if run.workflow_id == draft]
    return sorted(runs, key=lambda run: (run.created_at, run.id), reverse=True)


@router.get(
    "/apps/{app_id}/workflows/draft/nodes/{node_id}/last-run",
    summary="The node's last execution in a run of the draft (single-step or debug run)",
)
async def node_last_run(
    app_id: str, node_id: str, request: Request, user: Viewer, svc: ServicesDep
) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    if app.mode not in ("workflow", "advanced-chat"):
        raise ApiError(400, "not_workflow_app", "Please check if your app mode matches the right API route.")
    for run in await _draft_runs(svc, app.id):
        executions = [e for e in await svc.store.list_node_executions(run.id) if e.node_id == node_id]
        if executions:  # inside an iteration a node runs more than once: its last execution
            last = max(executions, key=lambda e: (e.index, e.created_at))
            return step_body(run, last, await RunBodies(svc, app).account(run))
    raise ApiError(404, "not_found", "Last run not found.")
