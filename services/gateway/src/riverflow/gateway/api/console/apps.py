"""Console app routes: import a Dify DSL, list apps, show one app."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import JSONResponse
from riverflow.gateway.api.deps import ServicesDep, require_console
from riverflow.gateway.credentials import hash_secret, new_api_key, visible_prefix
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import AppRecord, NewApp
from starlette.datastructures import UploadFile

__all__ = ["router"]

router = APIRouter(prefix="/console/api", tags=["console"], dependencies=[Depends(require_console)])


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


def _app_body(app: AppRecord, workflow_id: str | None = None) -> dict[str, Any]:
    return {
        "id": app.id,
        "name": app.name,
        "mode": app.mode,
        "description": app.description,
        "icon": app.icon,
        "workflow_id": workflow_id,
        "created_at": int(app.created_at),
    }


@router.post("/apps/import")
async def import_app(request: Request, svc: ServicesDep) -> JSONResponse:
    from riverflow.engine import DslError, parse_app

    text = await _dsl_text(request)
    if not text.strip():
        raise ApiError(400, "invalid_dsl", "The DSL is empty.")
    try:
        definition = parse_app(text)
    except DslError as exc:
        raise ApiError(400, "invalid_dsl", str(exc)) from None
    key = new_api_key("app")
    app, version, _ = await svc.store.create_app(
        NewApp(
            workspace_id=svc.workspace_id,
            name=definition.name,
            mode=definition.mode,
            description=definition.description or "",
            icon=definition.icon or "",
            dsl=text,
            key_hash=hash_secret(key),
            key_prefix=visible_prefix(key),
        )
    )
    body = _app_body(app, version.id) | {
        "app_id": app.id,
        "app_mode": app.mode,
        "status": "completed",
        "is_runnable": bool(getattr(definition, "is_runnable", True)),
        "api_key": key,
    }
    return JSONResponse(body, status_code=201)


@router.get("/apps")
async def list_apps(svc: ServicesDep) -> dict[str, Any]:
    apps = await svc.store.list_apps(svc.workspace_id)
    data = []
    for app in apps:
        version = await svc.store.published_version(app.id)
        data.append(_app_body(app, version.id if version else None))
    return {"data": data, "page": 1, "limit": len(data), "total": len(data), "has_more": False}


@router.get("/apps/{app_id}")
async def get_app(app_id: str, svc: ServicesDep) -> dict[str, Any]:
    app = await svc.store.get_app(app_id)
    if app is None or app.workspace_id != svc.workspace_id:
        raise ApiError(404, "not_found", "App not found.")
    version = await svc.store.published_version(app.id)
    return _app_body(app, version.id if version else None)
