"""Model-provider credentials: sealed with the gateway's ``SecretBox``, stored in the database and
mirrored to the JetStream KV bucket the agent service reads. Never returned in clear."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends
from fastapi.responses import Response
from pydantic import BaseModel, Field
from riverflow.gateway.api.console.access import ConsoleUser, require_role
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.errors import ApiError

__all__ = ["router"]

router = APIRouter(prefix="/console/api/workspaces/current/model-providers", tags=["console-providers"])

Viewer = Annotated[ConsoleUser, Depends(require_role("viewer"))]
Admin = Annotated[ConsoleUser, Depends(require_role("admin"))]
_PROVIDER = r"^[a-zA-Z0-9_\-]{1,128}$"


class CredentialsBody(BaseModel):
    credentials: dict[str, Any] = Field(min_length=1)


def _check_provider(provider: str) -> str:
    import re

    if not re.match(_PROVIDER, provider):
        raise ApiError(400, "invalid_param", "Invalid provider name.", params="provider")
    return provider


@router.get("", summary="Providers with credentials in this workspace (no secrets)")
async def list_providers(user: Viewer, svc: ServicesDep) -> dict[str, Any]:
    found = await svc.store.list_credentials(user.workspace_id)
    return {
        "data": [{"provider": c.provider, "configured": True, "updated_at": int(c.updated_at)} for c in found]
    }


@router.post("/{provider}/credentials", summary="Set a provider's credentials (encrypted at rest)")
async def set_credentials(
    provider: str, body: CredentialsBody, user: Admin, svc: ServicesDep
) -> dict[str, str]:
    _check_provider(provider)
    assert svc.secret_box is not None
    sealed = svc.secret_box.seal(body.credentials)
    await svc.store.set_credentials(user.workspace_id, provider, sealed)
    await svc.mirror.put(user.workspace_id, provider, sealed)
    return {"result": "success"}


@router.delete("/{provider}/credentials", status_code=204, summary="Remove a provider's credentials")
async def delete_credentials(provider: str, user: Admin, svc: ServicesDep) -> Response:
    _check_provider(provider)
    if not await svc.store.delete_credentials(user.workspace_id, provider):
        raise ApiError(404, "not_found", "No credentials for this provider.")
    await svc.mirror.delete(user.workspace_id, provider)
    return Response(status_code=204)
