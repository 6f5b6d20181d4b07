"""Console sign-in: e-mail + password (argon2), session tokens stored hashed, logout, profile."""

from __future__ import annotations

import secrets
import time
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from riverflow.gateway.api.console.access import ConsoleUser, console_user
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.credentials import hash_secret
from riverflow.gateway.errors import ApiError
from riverflow.gateway.passwords import DUMMY_HASH, verify_password

__all__ = ["router"]

router = APIRouter(prefix="/console/api", tags=["console-auth"])


class LoginBody(BaseModel):
    email: str = Field(min_length=3, max_length=255)
    password: str = Field(min_length=1, max_length=256)
    remember_me: bool = False


@router.post("/login", summary="Sign in with e-mail and password")
async def login(body: LoginBody, request: Request, svc: ServicesDep) -> dict[str, Any]:
    client = request.client.host if request.client else "?"
    svc.login_limiter.check(f"{client}:{body.email.strip().lower()}")
    account = await svc.store.find_account(body.email)
    valid = verify_password(account.password_hash if account else DUMMY_HASH, body.password)
    if account is None or not valid or account.status != "active":
        raise ApiError(401, "invalid_credentials", "Invalid email or password.")
    workspaces = await svc.store.list_account_workspaces(account.id)
    if not workspaces:
        raise ApiError(403, "forbidden", "This account belongs to no workspace.")
    token = f"session-{secrets.token_urlsafe(32)}"
    await svc.store.create_session(
        hash_secret(token), account.id, workspaces[0][0].id, time.time() + svc.settings.session_ttl_seconds
    )
    return {"result": "success", "data": {"access_token": token, "refresh_token": ""}}


@router.post("/logout", summary="End this session")
async def logout(user: Annotated[ConsoleUser, Depends(console_user)], svc: ServicesDep) -> dict[str, str]:
    if user.session_id is not None:
        await svc.store.revoke_session(user.session_id)
    return {"result": "success"}


@router.get("/account/profile", summary="The signed-in account")
async def profile(user: Annotated[ConsoleUser, Depends(console_user)], svc: ServicesDep) -> dict[str, Any]:
    if user.account_id is None:
        return {
            "id": None,
            "name": "console token",
            "email": None,
            "role": user.role,
            "workspace_id": user.workspace_id,
        }
    account = await svc.store.get_account(user.account_id)
    assert account is not None
    return {
        "id": account.id,
        "name": account.name,
        "email": account.email,
        "role": user.role,
        "workspace_id": user.workspace_id,
        "created_at": int(account.created_at),
    }
