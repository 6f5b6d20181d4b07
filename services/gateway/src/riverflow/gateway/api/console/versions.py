"""Drafts and published versions: edit the draft, publish it, list versions, restore one.
The Service API always runs the latest published version."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from riverflow.gateway.api.console.access import ConsoleUser, require_role, workspace_app
from riverflow.gateway.api.console.apps import parse_dsl
from riverflow.gateway.api.deps import ServicesDep, json_body
from riverflow.gateway.app_dsl import with_model_config, with_workflow
from riverflow.gateway.app_runtime import runnable
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import AppRecord, VersionRecord

__all__ = ["router"]

router = APIRouter(prefix="/console/api", tags=["console-versions"])

Viewer = Annotated[ConsoleUser, Depends(require_role("viewer"))]
Editor = Annotated[ConsoleUser, Depends(require_role("editor"))]


def _version_body(version: VersionRecord) -> dict[str, Any]:
    return {
        "id": version.id,
        "version": version.version,
        "published": version.published,
        "created_at": int(version.created_at),
    }


def _graph(definition: Any) -> dict[str, Any] | None:
    """The DSL's graph as written (None for chat and completion apps)."""
    return definition.raw.get("workflow", {}).get("graph") if definition.graph is not None else None


async def _draft(svc: Any, app: AppRecord) -> tuple[str, float]:
    draft = await svc.store.get_draft(app.id)
    if draft is None:
        raise ApiError(404, "draft_workflow_not_exist", "Draft not found.")
    return draft.dsl, draft.updated_at


async def _version(
    svc: Any, request: Request, app_id: str, version_id: str, user: ConsoleUser
) -> tuple[AppRecord, VersionRecord]:
    """The app and one of its versions; 404 when either is not the caller's."""
    app = await workspace_app(request, app_id, user)
    version = await svc.store.get_version(app.id, version_id)
    if version is None:
        raise ApiError(404, "not_found", "Version not found.")
    return app, version


async def _save(svc: Any, app: AppRecord, text: str) -> dict[str, Any]:
    definition = parse_dsl(text)
    if definition.mode != app.mode:
        raise ApiError(
            400, "invalid_param", f"The DSL's mode {definition.mode!r} is not the app's {app.mode!r}."
        )
    draft = await svc.store.save_draft(app.id, text)
    return {"result": "success", "updated_at": int(draft.updated_at)}


@router.get("/apps/{app_id}/workflows/draft", summary="The app's draft")
async def get_draft(app_id: str, request: Request, user: Viewer, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    text, updated_at = await _draft(svc, app)
    definition = parse_dsl(text)
    return {
        "graph": _graph(definition),
        "features": definition.features,
        "environment_variables": definition.environment_variables,
        "conversation_variables": definition.conversation_variables,
        "model_config": definition.raw.get("model_config"),
        "dsl": text,
        "updated_at": int(updated_at),
    }


@router.post("/apps/{app_id}/workflows/draft", summary="Save the draft (graph and features, or a whole DSL)")
async def save_draft(app_id: str, request: Request, user: Editor, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    body = await json_body(request)
    text, _ = await _draft(svc, app)
    if isinstance(body.get("yaml_content"), str):
        return await _save(svc, app, body["yaml_content"])
    if not any(k in body for k in ("graph", "features", "environment_variables", "conversation_variables")):
        raise ApiError(400, "invalid_param", "Send graph, features or variables, or yaml_content.")
    return await _save(svc, app, with_workflow(text, body))


@router.post(
    "/apps/{app_id}/model-config", summary="Save the model config of a chat or completion app's draft"
)
async def save_model_config(app_id: str, request: Request, user: Editor, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    if app.mode not in ("chat", "agent-chat", "completion"):
        raise ApiError(400, "app_unavailable", "Only chat and completion apps have a model config.")
    text, _ = await _draft(svc, app)
    return await _save(svc, app, with_model_config(text, await json_body(request)))


@router.post("/apps/{app_id}/workflows/publish", summary="Publish the draft as a new version")
async def publish(app_id: str, request: Request, user: Editor, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    text, _ = await _draft(svc, app)
    runnable(app.mode, text)  # a draft that cannot run is not published
    version = await svc.store.publish(app.id, text)
    await svc.grants.changed()  # key checks carry the published version
    return {"result": "success", **_version_body(version)}


@router.get("/apps/{app_id}/workflows", summary="Published versions, newest first")
async def list_versions(app_id: str, request: Request, user: Viewer, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    versions = await svc.store.list_versions(app.id)
    return {
        "items": [_version_body(v) for v in versions],
        "page": 1,
        "limit": len(versions),
        "has_more": False,
    }


@router.get("/apps/{app_id}/workflows/{version_id}", summary="A published version with its graph")
async def get_version(
    app_id: str, version_id: str, request: Request, user: Viewer, svc: ServicesDep
) -> dict[str, Any]:
    """The version's graph as the draft endpoint returns it (the studio diffs two versions with it)."""
    _, version = await _version(svc, request, app_id, version_id, user)
    definition = parse_dsl(version.dsl)
    return {**_version_body(version), "graph": _graph(definition), "features": definition.features}


@router.post(
    "/apps/{app_id}/workflows/{version_id}/restore", summary="Copy a published version into the draft"
)
async def restore(
    app_id: str, version_id: str, request: Request, user: Editor, svc: ServicesDep
) -> dict[str, Any]:
    app, version = await _version(svc, request, app_id, version_id, user)
    draft = await svc.store.save_draft(app.id, version.dsl)
    return {"result": "success", "updated_at": int(draft.updated_at)}
