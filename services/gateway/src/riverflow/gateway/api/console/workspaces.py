"""Workspaces and their members (roles owner, admin, editor, viewer)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field
from riverflow.gateway.account_records import MemberRecord
from riverflow.gateway.api.console.access import ConsoleUser, console_user, require_role
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.errors import ApiError
from riverflow.gateway.passwords import check_password_rules, hash_password

__all__ = ["router"]

router = APIRouter(prefix="/console/api", tags=["console-workspaces"])

Role = Literal["owner", "admin", "editor", "viewer"]
Caller = Annotated[ConsoleUser, Depends(console_user)]
Admin = Annotated[ConsoleUser, Depends(require_role("admin"))]


class WorkspaceBody(BaseModel):
    name: str = Field(min_length=1, max_length=255)


class SwitchBody(BaseModel):
    tenant_id: str


class MemberBody(BaseModel):
    email: str = Field(min_length=3, max_length=255, pattern=r"^[^@\s]+@[^@\s]+$")
    name: str | None = Field(default=None, max_length=255)
    password: str | None = None
    role: Role = "editor"


class RoleBody(BaseModel):
    role: Role


def _member(m: MemberRecord) -> dict[str, Any]:
    return {
        "id": m.account_id,
        "name": m.name,
        "email": m.email,
        "role": m.role,
        "status": "active",
        "created_at": int(m.created_at),
    }


@router.get("/workspaces", summary="The caller's workspaces")
async def list_workspaces(user: Caller, svc: ServicesDep) -> dict[str, Any]:
    if user.account_id is None:
        workspace = await svc.store.get_workspace(user.workspace_id)
        pairs = [(workspace, "owner")] if workspace else []
    else:
        pairs = await svc.store.list_account_workspaces(user.account_id)
    return {
        "workspaces": [
            {
                "id": w.id,
                "name": w.name,
                "role": role,
                "status": w.status,
                "created_at": int(w.created_at),
                "current": w.id == user.workspace_id,
            }
            for w, role in pairs
        ]
    }


@router.post("/workspaces", status_code=201, summary="Create a workspace (the caller owns it)")
async def create_workspace(body: WorkspaceBody, user: Caller, svc: ServicesDep) -> dict[str, Any]:
    if user.account_id is None:
        raise ApiError(403, "forbidden", "Sign in with an account to create workspaces.")
    workspace = await svc.store.create_workspace(body.name.strip())
    await svc.store.set_member(workspace.id, user.account_id, "owner")
    return {
        "id": workspace.id,
        "name": workspace.name,
        "role": "owner",
        "created_at": int(workspace.created_at),
    }


@router.get("/workspaces/current", summary="The session's workspace")
async def current_workspace(user: Caller, svc: ServicesDep) -> dict[str, Any]:
    workspace = await svc.store.get_workspace(user.workspace_id)
    assert workspace is not None
    return {
        "id": workspace.id,
        "name": workspace.name,
        "role": user.role,
        "status": workspace.status,
        "created_at": int(workspace.created_at),
    }


@router.post("/workspaces/switch", summary="Make another of the caller's workspaces current")
async def switch_workspace(body: SwitchBody, user: Caller, svc: ServicesDep) -> dict[str, Any]:
    if user.account_id is None or user.session_id is None:
        raise ApiError(403, "forbidden", "The console token is bound to the default workspace.")
    if await svc.store.get_member(body.tenant_id, user.account_id) is None:
        raise ApiError(404, "not_found", "Workspace not found.")
    await svc.store.switch_session(user.session_id, body.tenant_id)
    return {"result": "success", "new_tenant": {"id": body.tenant_id}}


@router.get("/workspaces/current/members", summary="The workspace's members")
async def list_members(user: Caller, svc: ServicesDep) -> dict[str, Any]:
    return {
        "result": "success",
        "accounts": [_member(m) for m in await svc.store.list_members(user.workspace_id)],
    }


def _may_grant(user: ConsoleUser, role: str) -> None:
    if role in ("owner", "admin") and user.role != "owner":
        raise ApiError(403, "forbidden", "Only an owner can grant the owner or admin role.")


@router.post("/workspaces/current/members", status_code=201, summary="Add a member (creating the account)")
async def add_member(body: MemberBody, user: Admin, svc: ServicesDep) -> dict[str, Any]:
    _may_grant(user, body.role)
    account = await svc.store.find_account(body.email)
    if account is None:
        password = check_password_rules(body.password)
        account = await svc.store.create_account(
            body.email, body.name or body.email.split("@")[0], hash_password(password)
        )
    if await svc.store.get_member(user.workspace_id, account.id) is not None:
        raise ApiError(409, "member_exists", "The account is already a member of this workspace.")
    return _member(await svc.store.set_member(user.workspace_id, account.id, body.role))


async def _other_member(user: ConsoleUser, account_id: str, svc: Any) -> MemberRecord:
    if account_id == user.account_id:
        raise ApiError(400, "invalid_action", "You cannot change your own membership.")
    member = await svc.store.get_member(user.workspace_id, account_id)
    if member is None:
        raise ApiError(404, "not_found", "Member not found.")
    if member.role in ("owner", "admin") and user.role != "owner":
        raise ApiError(403, "forbidden", "Only an owner can change an owner or admin.")
    return member


async def _keep_an_owner(svc: Any, workspace_id: str, member: MemberRecord) -> None:
    owners = [m for m in await svc.store.list_members(workspace_id) if m.role == "owner"]
    if member.role == "owner" and len(owners) <= 1:
        raise ApiError(400, "invalid_action", "A workspace keeps at least one owner.")


@router.put("/workspaces/current/members/{account_id}/update-role", summary="Change a member's role")
async def update_role(account_id: str, body: RoleBody, user: Admin, svc: ServicesDep) -> dict[str, Any]:
    member = await _other_member(user, account_id, svc)
    _may_grant(user, body.role)
    if body.role != "owner":
        await _keep_an_owner(svc, user.workspace_id, member)
    return _member(await svc.store.set_member(user.workspace_id, account_id, body.role))


@router.delete("/workspaces/current/members/{account_id}", status_code=204, summary="Remove a member")
async def remove_member(account_id: str, user: Admin, svc: ServicesDep) -> Response:
    member = await _other_member(user, account_id, svc)
    await _keep_an_owner(svc, user.workspace_id, member)
    await svc.store.remove_member(user.workspace_id, account_id)
    return Response(status_code=204)
