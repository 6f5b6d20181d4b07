"""Request dependencies: the wired services and bearer authentication (app, dataset, console)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, Request
from riverflow.gateway.credentials import hash_secret
from riverflow.gateway.errors import ApiError, unauthorized
from riverflow.gateway.key_grants import KeyGrants
from riverflow.gateway.ports import CredentialMirror, KnowledgeBackend, RunBus, Store, Suggester
from riverflow.gateway.rate_limit import RateLimiter
from riverflow.gateway.records import ApiKeyRecord, AppRecord, KeyGrant
from riverflow.gateway.run_recorder import RunRecorder
from riverflow.gateway.settings import GatewaySettings
from riverflow.runtime.secret_box import SecretBox

__all__ = [
    "Services",
    "services",
    "app_from_key",
    "dataset_key",
    "bearer_token",
    "json_body",
    "ServicesDep",
    "AppDep",
    "DatasetKeyDep",
]

log = logging.getLogger("riverflow.gateway.auth")


@dataclass
class Services:
    """What handlers need, built once by ``app.create_app`` and kept on ``app.state.services``."""

    settings: GatewaySettings
    store: Store
    bus: RunBus
    recorder: RunRecorder
    #: The key check, answered from memory until a key, app or version changes.
    grants: KeyGrants
    knowledge: KnowledgeBackend
    mirror: CredentialMirror
    limiter: RateLimiter
    login_limiter: RateLimiter
    secret_box: SecretBox | None = None
    #: Asks the agent service for suggested questions (``app.create_app`` always sets one).
    suggester: Suggester | None = None
    #: The default workspace: the console token's, and the one imports land in.
    workspace_id: str = ""


def services(request: Request) -> Services:
    return request.app.state.services


async def _services(request: Request) -> Services:
    # A coroutine on purpose: FastAPI runs a plain function dependency in a worker thread.
    return services(request)


def bearer_token(request: Request) -> str:
    """The token of ``Authorization: Bearer <token>``, with Dify's 401 messages otherwise."""
    header = request.headers.get("authorization")
    if not header or " " not in header:
        raise unauthorized("Authorization header must be provided and start with 'Bearer'")
    scheme, token = header.split(" ", 1)
    if scheme.lower() != "bearer":
        raise unauthorized("Authorization scheme must be 'Bearer'")
    return token.strip()


async def _grant(request: Request, type: str) -> KeyGrant:
    token = bearer_token(request)
    svc = services(request)
    grant = await svc.grants.find(hash_secret(token), type) if token else None
    if grant is None:
        # An audit trail of refused keys, naming the route and never the key itself.
        log.warning("refused an unknown %s key on %s %s", type, request.method, request.url.path)
        raise unauthorized("Access token is invalid")
    svc.limiter.check(grant.key.id)
    if grant.workspace is not None and grant.workspace.status == "archived":
        raise ApiError(403, "forbidden", "The workspace's status is archived.")
    return grant


async def app_from_key(request: Request) -> AppRecord:
    """The app selected by an app key (Service API), with Dify's 401/403 checks and the rate limit."""
    app = (await _grant(request, "app")).app
    if app is None or app.status == "deleted":
        raise ApiError(403, "forbidden", "The app no longer exists.")
    if app.status != "normal":
        raise ApiError(403, "forbidden", "The app's status is abnormal.")
    if not app.enable_api:
        raise ApiError(403, "forbidden", "The app's API service has been disabled.")
    return app


async def dataset_key(request: Request) -> ApiKeyRecord:
    """A dataset key: its workspace is the scope of every Knowledge API call."""
    return (await _grant(request, "dataset")).key


async def json_body(request: Request) -> dict[str, Any]:
    """The JSON object body (``{}`` when empty); 400 ``invalid_param`` otherwise."""
    raw = await request.body()
    try:
        body = json.loads(raw or b"{}")
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(400, "invalid_param", f"The request body is not valid JSON: {exc}") from None
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_param", "The request body must be a JSON object.")
    return body


#: Handler parameter types: ``svc: ServicesDep``, ``app: AppDep``, ``key: DatasetKeyDep``.
ServicesDep = Annotated[Services, Depends(_services)]
AppDep = Annotated[AppRecord, Depends(app_from_key)]
DatasetKeyDep = Annotated[ApiKeyRecord, Depends(dataset_key)]
