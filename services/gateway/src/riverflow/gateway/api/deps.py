"""Request dependencies: the wired services, and the two kinds of bearer authentication."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request
from riverflow.gateway.credentials import hash_secret
from riverflow.gateway.errors import ApiError, unauthorized
from riverflow.gateway.ports import RunBus, Store
from riverflow.gateway.records import AppRecord
from riverflow.gateway.relay import RunRecorder
from riverflow.gateway.settings import GatewaySettings

__all__ = [
    "Services",
    "services",
    "app_from_key",
    "require_console",
    "bearer_token",
    "ServicesDep",
    "AppDep",
]


@dataclass
class Services:
    """What handlers need, built once by ``app.create_app`` and kept on ``app.state.services``."""

    settings: GatewaySettings
    store: Store
    bus: RunBus
    recorder: RunRecorder
    workspace_id: str = ""


def services(request: Request) -> Services:
    return request.app.state.services


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer <token>``, with Dify's 401 messages otherwise."""
    header = request.headers.get("authorization")
    if not header or " " not in header:
        raise unauthorized("Authorization header must be provided and start with 'Bearer'")
    scheme, token = header.split(" ", 1)
    if scheme.lower() != "bearer":
        raise unauthorized("Authorization scheme must be 'Bearer'")
    return token.strip()


async def app_from_key(request: Request) -> AppRecord:
    """The app selected by an app key (Service API)."""
    token = bearer_token(request)
    store = services(request).store
    key = await store.find_api_key(hash_secret(token), "app") if token else None
    if key is None or key.app_id is None:
        raise unauthorized("Access token is invalid")
    app = await store.get_app(key.app_id)
    if app is None:
        raise ApiError(403, "forbidden", "The app no longer exists.")
    return app


async def require_console(request: Request) -> None:
    """Console routes: ``Authorization: Bearer <console token>``."""
    token = bearer_token(request)
    if not token or not await services(request).store.console_token_valid(hash_secret(token)):
        raise unauthorized("Invalid console token.")


#: Handler parameter types: ``svc: ServicesDep``, ``app: AppDep``.
ServicesDep = Annotated[Services, Depends(services)]
AppDep = Annotated[AppRecord, Depends(app_from_key)]
