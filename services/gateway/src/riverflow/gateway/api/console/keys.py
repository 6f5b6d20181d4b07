"""API keys: an app's keys (at most 10, shown once, stored hashed) and the workspace's dataset keys."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response
from riverflow.gateway.api.console.access import ConsoleUser, require_role, workspace_app
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.credentials import hash_secret, new_api_key, visible_prefix
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import ApiKeyRecord

__all__ = ["router", "MAX_KEYS"]

router = APIRouter(prefix="/console/api", tags=["console-keys"])

MAX_KEYS = 10
Viewer = Annotated[ConsoleUser, Depends(require_role("viewer"))]
Editor = Annotated[ConsoleUser, Depends(require_role("editor"))]
Admin = Annotated[ConsoleUser, Depends(require_role("admin"))]


def _key_body(key: ApiKeyRecord, token: str | None = None) -> dict[str, Any]:
    return {
        "id": key.id,
        "type": key.type,
        "token": token or f"{key.prefix}...",
        "created_at": int(key.created_at),
        "last_used_at": int(key.last_used_at) if key.last_used_at else None,
    }


async def _create(svc: Any, workspace_id: str, type: str, app_id: str | None) -> dict[str, Any]:
    if len(await svc.store.list_api_keys(workspace_id, type, app_id)) >= MAX_KEYS:
        raise ApiError(400, "max_keys_exceeded", f"Cannot create more than {MAX_KEYS} API keys per resource.")
    token = new_api_key(type)
    key = await svc.store.create_api_key(
        type=type,
        workspace_id=workspace_id,
        app_id=app_id,
        key_hash=hash_secret(token),
        prefix=visible_prefix(token),
    )
    return _key_body(key, token)


@router.get("/apps/{app_id}/api-keys", summary="The app's keys (prefixes only)")
async def list_app_keys(app_id: str, request: Request, user: Viewer, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    return {"data": [_key_body(k) for k in await svc.store.list_api_keys(user.workspace_id, "app", app.id)]}


@router.post(
    "/apps/{app_id}/api-keys", status_code=201, summary="Create an app key (the token is shown once)"
)
async def create_app_key(app_id: str, request: Request, user: Editor, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    return await _create(svc, user.workspace_id, "app", app.id)


@router.delete("/apps/{app_id}/api-keys/{key_id}", status_code=204, summary="Revoke an app key")
async def revoke_app_key(
    app_id: str, key_id: str, request: Request, user: Editor, svc: ServicesDep
) -> Response:
    app = await workspace_app(request, app_id, user)
    if not await svc.store.revoke_api_key(key_id, user.workspace_id, app.id):
        raise ApiError(404, "not_found", "API key not found.")
    await svc.grants.changed()
    return Response(status_code=204)


@router.get("/datasets/api-keys", summary="The workspace's dataset keys (prefixes only)")
async def list_dataset_keys(user: Admin, svc: ServicesDep) -> dict[str, Any]:
    return {"data": [_key_body(k) for k in await svc.store.list_api_keys(user.workspace_id, "dataset", None)]}


@router.post("/datasets/api-keys", status_code=201, summary="Create a dataset key (the token is shown once)")
async def create_dataset_key(user: Admin, svc: ServicesDep) -> dict[str, Any]:
    return await _create(svc, user.workspace_id, "dataset", None)


@router.delete("/datasets/api-keys/{key_id}", status_code=204, summary="Revoke a dataset key")
async def revoke_dataset_key(key_id: str, user: Admin, svc: ServicesDep) -> Response:
    if not await svc.store.revoke_api_key(key_id, user.workspace_id, None):
        raise ApiError(404, "not_found", "API key not found.")
    await svc.grants.changed()
    return Response(status_code=204)
