"""Console apps: import a Dify DSL, create, list, show, update, delete, export, resume a failed run."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field
from riverflow.gateway import resumption
from riverflow.gateway.api.console.access import ConsoleUser, require_role, workspace_app
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.app_dsl import blank_dsl, export_text
from riverflow.gateway.credentials import hash_secret, new_api_key, visible_prefix
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import AppRecord, NewApp
from starlette.datastructures import UploadFile

__all__ = ["router", "parse_dsl"]

router = APIRouter(prefix="/console/api", tags=["console-apps"])

Viewer = Annotated[ConsoleUser, Depends(require_role("viewer"))]
Editor = Annotated[ConsoleUser, Depends(require_role("editor"))]


def _decode(raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ApiError(400, "invalid_dsl", "The DSL is not valid UTF-8 text.") from None


async def _dsl_text(request: Request) -> str:
    """The DSL from raw YAML, JSON ``{"yaml_content": ...}`` or a multipart ``file`` part."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if isinstance(upload, UploadFile):
            return _decode(await upload.read())
        if isinstance(upload, str):
            return upload
        raise ApiError(400, "no_file_uploaded", "Please upload your file.")
    raw = await request.body()
    if content_type == "application/json" or content_type.endswith("+json"):
        try:
            payload = json.loads(raw)
        except ValueError as exc:
            raise ApiError(400, "invalid_param", f"The request body is not valid JSON: {exc}") from None
        if not isinstance(payload, dict):
            raise ApiError(400, "invalid_param", "Expected a JSON object with yaml_content.")
        mode = payload.get("mode", "yaml-content")
        if mode != "yaml-content":
            raise ApiError(400, "invalid_param", f"Import mode {mode!r} is not supported; use yaml-content.")
        content = payload.get("yaml_content")
        if not isinstance(content, str):
            raise ApiError(400, "invalid_param", "yaml_content is required.", params="yaml_content")
        return content
    return _decode(raw)


def parse_dsl(text: str) -> Any:
    """The engine's parse of an app export; 400 ``invalid_dsl`` with its reason."""
    from riverflow.engine import DslError, parse_app

    if not text.strip():
        raise ApiError(400, "invalid_dsl", "The DSL is empty.")
    try:
        return parse_app(text)
    except DslError as exc:
        raise ApiError(400, "invalid_dsl", str(exc)) from None


def app_body(app: AppRecord, workflow_id: str | None = None) -> dict[str, Any]:
    return {
        "id": app.id,
        "name": app.name,
        "mode": app.mode,
        "description": app.description,
        "icon": app.icon,
        "enable_api": app.enable_api,
        "workflow_id": workflow_id,
        "created_at": int(app.created_at),
        "updated_at": int(app.updated_at or app.created_at),
    }


async def _create(
    svc: Any, user: ConsoleUser, dsl: str, definition: Any, with_key: bool
) -> tuple[Any, Any, str | None]:
    key = new_api_key("app") if with_key else None
    app, version, _ = await svc.store.create_app(
        NewApp(
            workspace_id=user.workspace_id,
            name=definition.name,
            mode=definition.mode,
            description=definition.description or "",
            icon=definition.icon or "",
            dsl=dsl,
            key_hash=hash_secret(key) if key else None,
            key_prefix=visible_prefix(key) if key else "",
        )
    )
    return app, version, key


@router.post("/apps/import", summary="Import a Dify DSL export (creates the app, a published version, a key)")
async def import_app(request: Request, user: Editor, svc: ServicesDep) -> JSONResponse:
    text = await _dsl_text(request)
    definition = parse_dsl(text)
    app, version, key = await _create(svc, user, text, definition, with_key=True)
    body = app_body(app, version.id) | {
        "app_id": app.id,
        "app_mode": app.mode,
        "status": "completed",
        "is_runnable": bool(getattr(definition, "is_runnable", True)),
        "api_key": key,
    }
    return JSONResponse(body, status_code=201)


class CreateAppBody(BaseModel):
    name: str = Field(min_length=1, max_length=255)
    mode: Literal["workflow", "advanced-chat", "chat", "agent-chat", "completion"]
    description: str = Field(default="", max_length=2000)
    icon: str = Field(default="🤖", max_length=255)
    model_config_: dict[str, Any] | None = Field(default=None, alias="model_config")


@router.post("/apps", status_code=201, summary="Create a blank app")
async def create_app(body: CreateAppBody, user: Editor, svc: ServicesDep) -> dict[str, Any]:
    text = blank_dsl(body.name, body.mode, body.description, body.icon, body.model_config_)
    app, version, _ = await _create(svc, user, text, parse_dsl(text), with_key=False)
    return app_body(app, version.id)


@router.get("/apps", summary="The workspace's apps")
async def list_apps(
    user: Viewer,
    svc: ServicesDep,
    page: Annotated[int, Query(ge=1, le=99999)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    mode: str | None = None,
    name: str | None = None,
) -> dict[str, Any]:
    apps = await svc.store.list_apps(user.workspace_id)
    if mode and mode != "all":
        apps = [a for a in apps if a.mode == mode]
    if name:
        apps = [a for a in apps if name.lower() in a.name.lower()]
    total, window = len(apps), apps[(page - 1) * limit : page * limit]
    data = []
    for app in window:
        version = await svc.store.published_version(app.id)
        data.append(app_body(app, version.id if version else None))
    return {"data": data, "page": page, "limit": limit, "total": total, "has_more": page * limit < total}


@router.get("/apps/{app_id}", summary="An app")
async def get_app(app_id: str, request: Request, user: Viewer, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    version = await svc.store.published_version(app.id)
    return app_body(app, version.id if version else None)


class UpdateAppBody(BaseModel):
    name: str | None = Field(default=None, min_length=1, max_length=255)
    description: str | None = Field(default=None, max_length=2000)
    icon: str | None = Field(default=None, max_length=255)
    enable_api: bool | None = None


@router.put("/apps/{app_id}", summary="Update an app's name, description, icon or API access")
async def update_app(
    app_id: str, body: UpdateAppBody, request: Request, user: Editor, svc: ServicesDep
) -> dict[str, Any]:
    await workspace_app(request, app_id, user)
    updated = await svc.store.update_app(app_id, **body.model_dump(exclude_none=True))
    if updated is None:
        raise ApiError(404, "not_found", "App not found.")
    await svc.grants.changed()  # enable_api is part of the key check
    return app_body(updated)


@router.delete("/apps/{app_id}", status_code=204, summary="Delete an app (its keys stop working)")
async def delete_app(app_id: str, request: Request, user: Editor, svc: ServicesDep) -> Response:
    await workspace_app(request, app_id, user)
    await svc.store.delete_app(app_id)
    await svc.grants.changed()
    return Response(status_code=204)


@router.get("/apps/{app_id}/export", summary="Export the app's draft as a Dify DSL")
async def export_app(
    app_id: str, request: Request, user: Editor, svc: ServicesDep, include_secret: bool = False
) -> dict[str, str]:
    app = await workspace_app(request, app_id, user)
    draft = await svc.store.get_draft(app.id)
    version = await svc.store.published_version(app.id)
    text = draft.dsl if draft is not None else version.dsl if version is not None else ""
    return {"data": export_text(text, include_secret)}


class ResumeRunBody(BaseModel):
    user: str | None = Field(default=None, max_length=255)
    response_mode: Literal["blocking", "streaming"] | None = None


@router.post(
    "/apps/{app_id}/workflow-runs/{run_id}/resume",
    summary="Resume a failed run from its failed node (finished nodes are not run again)",
)
async def resume_run(
    app_id: str, run_id: str, body: ResumeRunBody, request: Request, user: Editor, svc: ServicesDep
) -> Any:
    app = await workspace_app(request, app_id, user)
    who = body.user or user.account_id or "console"
    return await resumption.resume(svc, app, run_id, who, body.response_mode == "streaming")
