"""Run one node of the draft from the console: Dify's single-step run ("Run this step").

``POST /console/api/apps/{app_id}/workflows/draft/nodes/{node_id}/run`` with ``{"inputs": {...}}``
runs that node alone on the platform (``RunRequested.single_node``: the orchestrator, and the
agent, rag or sandbox for a dispatched node), with the given values of what it reads, and answers
when it finished with the node execution in Dify's shape. Input keys are selectors as Dify's
single-step forms send them: ``"#1711528708197.text#"``; also ``"sys.query"``, and the bare name of
a code or template node's input variable (``riverflow.engine.single_node``).

Every check runs before anything is written. The run is recorded with ``created_from="single-step"``
(Dify's ``triggered_from=single-step``), so it is in neither the debugger's runs nor the app's logs.
"""

from __future__ import annotations

import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict
from riverflow.contracts.events.v1 import RunEvent, SingleNodeRun
from riverflow.gateway.api.console.access import ConsoleUser, require_role, workspace_app
from riverflow.gateway.api.console.draft_run import console_user_id, draft_version
from riverflow.gateway.api.console.run_history import execution_body
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.app_runtime import runnable
from riverflow.gateway.errors import ApiError
from riverflow.gateway.ports import BusUnavailable, RunQueueFull
from riverflow.gateway.records import RunRecord
from riverflow.gateway.relay import wait_terminal
from riverflow.gateway.run_recorder import node_execution
from riverflow.gateway.runs import build_run_request, new_run_record

__all__ = ["router", "SINGLE_STEP", "step_body"]

router = APIRouter(prefix="/console/api", tags=["console-runs"])

Editor = Annotated[ConsoleUser, Depends(require_role("editor"))]

#: The ``created_from`` of single-step runs (Dify's ``triggered_from``).
SINGLE_STEP = "single-step"


class SingleStepBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    #: Required, as in Dify (``{}`` when the node reads nothing).
    inputs: dict[str, Any]


def _plan(definition: Any, node_id: str, inputs: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pool entries the inputs give; 404 for an unknown node, 400 for what cannot run."""
    from riverflow.engine import InputError
    from riverflow.engine.single_node import seeded_variables

    if definition.graph is None or definition.graph.node(node_id) is None:
        raise ApiError(404, "not_found", f"Node {node_id} is not in the draft workflow.")
    try:
        return seeded_variables(definition, node_id, inputs)
    except InputError as exc:
        raise ApiError(400, "invalid_param", exc.message, params=exc.field) from None


def _check(request: Any) -> None:
    """The engine's own checks of the run (variables without a value), before anything is written."""
    from riverflow.engine import DslError, InputError
    from riverflow.engine.single_node import plan_single_node

    try:
        plan_single_node(request)
    except (DslError, InputError) as exc:
        raise ApiError(400, "invalid_param", exc.message) from None


async def _outcome(svc: Any, run_id: str, node_id: str) -> tuple[dict[str, Any] | None, RunEvent | None]:
    """The node's ``node_finished`` data and the run's terminal event (None: not in time)."""
    finished: dict[str, Any] | None = None

    async def watched():  # type: ignore[no-untyped-def]
        nonlocal finished
        async for event in svc.bus.events(run_id, 0):
            if event.event == "node_finished" and event.data.get("node_id") == node_id:
                finished = event.data
            yield event

    terminal = await wait_terminal(watched(), svc.settings.blocking_timeout_seconds)
    return finished, terminal


def step_body(run: RunRecord, execution: Any, account: dict[str, Any] | None) -> dict[str, Any]:
    """A node execution of a console run of the draft, in Dify's shape (the run's account attributed)."""
    body = execution_body(execution)
    single = run.created_from == SINGLE_STEP
    if not body["inputs"] and single:  # a node that reports no inputs (a model's): show what it was given
        body["inputs"] = run.inputs
    body.update(
        created_by_role="account",
        created_by_account=account,
        created_by_end_user=None,
        triggered_from=SINGLE_STEP if single else "workflow-run",
    )
    return body


def _finished(run: RunRecord, node_id: str, finished: dict[str, Any] | None, terminal: RunEvent) -> Any:
    if finished is None:  # the run ended before the node started: report the run's error as the node's
        data = terminal.data
        finished = {
            "id": run.id,
            "node_id": node_id,
            "status": "failed",
            "error": data.get("error") or data.get("message") or "The node did not run.",
            "created_at": run.created_at,
            "finished_at": data.get("finished_at") or terminal.created_at,
        }
    return node_execution(run, finished, run.created_at)


@router.post(
    "/apps/{app_id}/workflows/draft/nodes/{node_id}/run",
    summary="Run one node of the draft with given values of what it reads (single-step run)",
)
async def run_draft_node(
    app_id: str, node_id: str, body: SingleStepBody, request: Request, user: Editor, svc: ServicesDep
) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    if app.mode not in ("workflow", "advanced-chat"):
        raise ApiError(400, "not_workflow_app", "Please check if your app mode matches the right API route.")
    version = await draft_version(svc, app)
    draft = runnable(app.mode, version.dsl)
    variables = _plan(draft.definition, node_id, body.inputs)
    caller = console_user_id(user)
    run_request = build_run_request(app, version, body.inputs, caller, [], "debugger", dsl=draft.dsl)
    run_request = run_request.model_copy(
        update={"single_node": SingleNodeRun(node_id=node_id, variables=variables)}
    )
    _check(run_request)
    run = new_run_record(run_request, created_from=SINGLE_STEP)
    await svc.store.create_run(run)
    try:
        await svc.bus.publish_run(run_request)
    except (RunQueueFull, BusUnavailable):
        # Not accepted: the record says so rather than staying "running" forever.
        run.status, run.error, run.finished_at = "failed", "The run was not accepted.", time.time()
        await svc.store.finish_run(run)
        raise
    finished, terminal = await _outcome(svc, run.id, node_id)
    if terminal is None:
        raise ApiError(504, "gateway_timeout", "The node did not finish in time; run it again.")
    await svc.recorder.wait(run.id, svc.settings.recorder_wait_seconds)
    account = await svc.store.get_account(user.account_id) if user.account_id else None
    named = None if account is None else {"id": account.id, "name": account.name, "email": account.email}
    return step_body(run, _finished(run, node_id, finished, terminal), named)
