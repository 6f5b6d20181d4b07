"""An app's MCP server: create (enabled), read, update (description, argument descriptions, status),
and refresh its URL code (the old URL stops working at once)."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from riverflow.gateway.api.console.access import ConsoleUser, require_role, workspace_app
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.errors import ApiError
from riverflow.gateway.mcp_records import McpServerRecord, new_server_code
from riverflow.gateway.mcp_server import server_url

__all__ = ["router"]

router = APIRouter(prefix="/console/api", tags=["console-mcp"])

Viewer = Annotated[ConsoleUser, Depends(require_role("viewer"))]
Editor = Annotated[ConsoleUser, Depends(require_role("editor"))]

_DESCRIPTION = Field(
    default=None, max_length=4000, description="The tool's description (default: the app's)."
)
_PARAMETERS = Field(default=None, description="Descriptions of the tool's arguments, by input variable name.")


class CreateBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    description: str | None = _DESCRIPTION
    parameters: dict[str, Annotated[str, Field(max_length=1000)]] | None = _PARAMETERS


class UpdateBody(CreateBody):
    status: Literal["active", "inactive"] | None = Field(
        default=None, description="inactive: the URL answers 404 until it is active again."
    )


def _body(request: Request, server: McpServerRecord) -> dict[str, Any]:
    return {
        "id": server.id,
        "app_id": server.app_id,
        "server_code": server.server_code,
        "server_url": server_url(str(request.base_url), server.server_code),
        "status": server.status,
        "description": server.description,
        "parameters": server.parameters,
        "created_at": int(server.created_at),
        "updated_at": int(server.updated_at),
    }


async def _existing(svc: Any, app_id: str) -> McpServerRecord:
    server = await svc.store.get_mcp_server(app_id)
    if server is None:
        raise ApiError(404, "not_found", "The app has no MCP server; create it with POST first.")
    return server


@router.get("/apps/{app_id}/server", summary="The app's MCP server")
async def get_server(app_id: str, request: Request, user: Viewer, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    return _body(request, await _existing(svc, app.id))


@router.post("/apps/{app_id}/server", status_code=201, summary="Expose the app as an MCP server (enabled)")
async def create_server(
    app_id: str, request: Request, user: Editor, svc: ServicesDep, body: CreateBody | None = None
) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    body = body or CreateBody()
    if await svc.store.get_mcp_server(app.id) is not None:
        raise ApiError(400, "bad_request", "The app has an MCP server already; change it with PUT.")
    now = time.time()
    record = McpServerRecord(
        id=str(uuid.uuid4()),
        app_id=app.id,
        workspace_id=app.workspace_id,
        server_code=new_server_code(),
        status="active",
        description=body.description or "",
        parameters=dict(body.parameters or {}),
        created_at=now,
        updated_at=now,
    )
    try:
        created = await svc.store.create_mcp_server(record)
    except ValueError:  # a concurrent create won the race
        raise ApiError(400, "bad_request", "The app has an MCP server already; change it with PUT.") from None
    return _body(request, created)


@router.put("/apps/{app_id}/server", summary="Change the MCP server's description, arguments or status")
async def update_server(
    app_id: str, body: UpdateBody, request: Request, user: Editor, svc: ServicesDep
) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    await _existing(svc, app.id)
    fields = body.model_dump(exclude_none=True)
    updated = await svc.store.update_mcp_server(app.id, **fields) if fields else None
    return _body(request, updated or await _existing(svc, app.id))


@router.post("/apps/{app_id}/server/refresh", summary="A new URL code for the MCP server (the old one stops)")
async def refresh_server(app_id: str, request: Request, user: Editor, svc: ServicesDep) -> dict[str, Any]:
    app = await workspace_app(request, app_id, user)
    await _existing(svc, app.id)
    updated = await svc.store.update_mcp_server(app.id, server_code=new_server_code())
    return _body(request, updated or await _existing(svc, app.id))
