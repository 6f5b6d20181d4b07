"""Service API workflow routes: ``POST /v1/workflows/run`` and ``GET /v1/workflows/run/{id}``."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, StreamingResponse
from pydantic import BaseModel, ValidationError
from riverflow.gateway.api.deps import AppDep, ServicesDep
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import VersionRecord
from riverflow.gateway.relay import sse_stream, wait_terminal
from riverflow.gateway.runs import blocking_body, build_run_request, new_run_record, run_data

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["service-api"])


class WorkflowRunBody(BaseModel):
    inputs: dict[str, Any]
    response_mode: Literal["blocking", "streaming"] | None = None
    user: str | None = None
    files: list[Any] | None = None


async def _json_body(request: Request) -> Any:
    raw = await request.body()
    try:
        return json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_param", f"The request body is not valid JSON: {exc}") from None


def _parse_body(raw: Any) -> WorkflowRunBody:
    try:
        return WorkflowRunBody.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or None
        message = f"{field}: {first['msg']}" if field else first["msg"]
        raise ApiError(400, "invalid_param", message, params=field) from None


def _validated_inputs(version: VersionRecord, inputs: dict[str, Any]) -> dict[str, Any]:
    from riverflow.engine import InputError, parse_app, validate_inputs

    definition = parse_app(version.dsl)  # cached by text inside the engine
    if not getattr(definition, "is_runnable", True):
        raise ApiError(400, "app_unavailable", "App unavailable, please check your app configurations.")
    try:
        return validate_inputs(definition, inputs)
    except InputError as exc:
        field = getattr(exc, "field", None)
        raise ApiError(400, "invalid_param", str(exc), params=field) from None


@router.post("/workflows/run")
async def run_workflow(request: Request, app: AppDep, svc: ServicesDep) -> Any:
    if app.mode != "workflow":
        raise ApiError(400, "not_workflow_app", "Please check if your app mode matches the right API route.")
    body = _parse_body(await _json_body(request))
    if not body.user:
        raise ApiError(400, "invalid_param", "Arg user must be provided.", params="user")
    version = await svc.store.published_version(app.id)
    if version is None:
        raise ApiError(400, "bad_request", "Workflow not published.")
    inputs = _validated_inputs(version, body.inputs)
    run_request = build_run_request(app, version, inputs, body.user, body.files)
    run = new_run_record(run_request)
    await svc.store.create_run(run)
    await svc.bus.publish_run(run_request)
    svc.recorder.track(run)
    events = svc.bus.events(run_request.run_id)
    if body.response_mode == "streaming":
        return StreamingResponse(
            sse_stream(events, svc.settings.ping_interval_seconds),
            media_type="text/event-stream; charset=utf-8",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
    terminal = await wait_terminal(events, svc.settings.blocking_timeout_seconds)
    if terminal is None:
        raise ApiError(504, "gateway_timeout", "The workflow run did not finish in time; poll its run id.")
    return JSONResponse(blocking_body(run_request, terminal))


@router.get("/workflows/run/{workflow_run_id}")
async def get_workflow_run(workflow_run_id: str, app: AppDep, svc: ServicesDep) -> dict[str, Any]:
    run = await svc.store.get_run(app.id, workflow_run_id)
    if run is None:
        raise ApiError(404, "not_found", "Workflow run not found.")
    return run_data(run)
