"""Who is calling the console: the bootstrap console token (owner of the default workspace) or an
account's session, with its role in the session's workspace; ``require_role`` guards each route."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Request
from riverflow.gateway.account_records import ROLES
from riverflow.gateway.api.deps import bearer_token, services
from riverflow.gateway.credentials import hash_secret
from riverflow.gateway.errors import ApiError, unauthorized
from riverflow.gateway.records import AppRecord

__all__ = ["ConsoleUser", "console_user", "require_role", "role_at_least", "workspace_app"]


@dataclass(frozen=True)
class ConsoleUser:
    workspace_id: str
    role: str
    #: None for the bootstrap console token.
    account_id: str | None = None
    session_id: str | None = None


def role_at_least(role: str, minimum: str) -> bool:
    return role in ROLES and ROLES.index(role) <= ROLES.index(minimum)


async def console_user(request: Request) -> ConsoleUser:
    token = bearer_token(request)
    svc = services(request)
    token_hash = hash_secret(token)
    if token and await svc.store.console_token_valid(token_hash):
        return ConsoleUser(svc.workspace_id, "owner")
    session = await svc.store.find_session(token_hash) if token else None
    if session is None:
        raise unauthorized("Invalid or expired console token.")
    member = await svc.store.get_member(session.workspace_id, session.account_id)
    if member is None:
        raise ApiError(403, "forbidden", "You are no longer a member of this workspace.")
    return ConsoleUser(session.workspace_id, member.role, session.account_id, session.id)


def require_role(minimum: str) -> Callable[[Request], Awaitable[ConsoleUser]]:
    """A dependency: the caller, if their role in the current workspace is ``minimum`` or above."""

    async def dependency(request: Request) -> ConsoleUser:
        user = await console_user(request)
        if not role_at_least(user.role, minimum):
            raise ApiError(403, "forbidden", f"This action needs the {minimum} role or above.")
        return user

    return dependency


async def workspace_app(request: Request, app_id: str, user: ConsoleUser) -> AppRecord:
    """The app if it lives in the caller's workspace; 404 otherwise (other tenants' apps don't exist)."""
    app = await services(request).store.get_app(app_id)
    if app is None or app.workspace_id != user.workspace_id or app.status == "deleted":
        raise ApiError(404, "not_found", "App not found.")
    return app
