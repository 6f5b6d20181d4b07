"""Conversations of the caller: list, delete, rename (or name automatically), and their variables."""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from riverflow.gateway.api.deps import AppDep, ServicesDep, json_body
from riverflow.gateway.api.service.bodies import RenameBody, VariableUpdateBody
from riverflow.gateway.api.service.common import find_conversation, is_uuid, optional_user, require_chat_app
from riverflow.gateway.app_runtime import runnable
from riverflow.gateway.chat_records import ConversationRecord
from riverflow.gateway.errors import ApiError
from riverflow.gateway.generation import auto_name
from riverflow.gateway.records import AppRecord

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["conversations"])

_PY_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,),
    "secret": (str,),
    "number": (int, float),
    "boolean": (bool,),
    "object": (dict,),
    "file": (dict,),
}


def conversation_body(conversation: ConversationRecord) -> dict[str, Any]:
    return {
        "id": conversation.id,
        "name": conversation.name,
        "inputs": conversation.inputs,
        "status": conversation.status,
        "introduction": conversation.introduction,
        "created_at": int(conversation.created_at),
        "updated_at": int(conversation.updated_at),
    }


async def _mine(svc: Any, app: AppRecord, conversation_id: str, user: str | None) -> ConversationRecord:
    require_chat_app(app)
    if not is_uuid(conversation_id):  # Dify's uuid route converter: not a uuid is not a route
        raise ApiError(404, "not_found", "Conversation Not Exists.")
    conversation = await find_conversation(svc, app, optional_user(user), conversation_id)
    assert conversation is not None
    return conversation


@router.get("/conversations", summary="The caller's conversations")
async def list_conversations(
    app: AppDep,
    svc: ServicesDep,
    user: str | None = None,
    last_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    sort_by: Annotated[str, Query(pattern="^-?(created_at|updated_at)$")] = "-updated_at",
) -> dict[str, Any]:
    require_chat_app(app)
    try:
        found, has_more = await svc.store.list_conversations(
            app.id,
            optional_user(user),
            last_id=last_id or None,
            limit=limit,
            sort_by=sort_by,
            source="api",
        )
    except LookupError:
        raise ApiError(404, "not_found", "Last Conversation Not Exists.") from None
    return {"limit": limit, "has_more": has_more, "data": [conversation_body(c) for c in found]}


@router.delete("/conversations/{conversation_id}", status_code=204, summary="Delete a conversation")
async def delete_conversation(
    conversation_id: str, request: Request, app: AppDep, svc: ServicesDep
) -> Response:
    body = await json_body(request) if request.headers.get("content-length") not in (None, "0") else {}
    user = body.get("user") or request.query_params.get("user")
    conversation = await _mine(svc, app, conversation_id, user if isinstance(user, str) else None)
    await svc.store.delete_conversation(app.id, conversation.id)
    return Response(status_code=204)


@router.post("/conversations/{conversation_id}/name", summary="Rename a conversation")
async def rename_conversation(
    conversation_id: str, body: RenameBody, app: AppDep, svc: ServicesDep
) -> dict[str, Any]:
    conversation = await _mine(svc, app, conversation_id, body.user)
    if body.auto_generate:
        first, _ = await svc.store.list_messages(conversation.id, first_id=None, limit=100)
        conversation.name = auto_name(first[0].query if first else "")
    else:
        if not body.name or not body.name.strip():
            raise ApiError(
                400, "invalid_param", "name is required when auto_generate is false.", params="name"
            )
        conversation.name = body.name.strip()[:255]
    conversation.updated_at = time.time()
    await svc.store.update_conversation(conversation)
    return conversation_body(conversation)


async def _variables(svc: Any, app: AppRecord, conversation: ConversationRecord) -> list[dict[str, Any]]:
    version = await svc.store.published_version(app.id)
    declared = runnable(app.mode, version.dsl).definition.conversation_variables if version else []
    items = []
    for variable in declared:
        if not isinstance(variable, dict) or not variable.get("name"):
            continue
        name = str(variable["name"])
        raw_id = str(variable.get("id") or "")
        var_id = (
            raw_id if is_uuid(raw_id) else str(uuid.uuid5(uuid.NAMESPACE_URL, f"riverflow:{app.id}:{name}"))
        )
        items.append(
            {
                "id": var_id,
                "name": name,
                "value_type": str(variable.get("value_type") or "string"),
                "value": conversation.variables.get(name, variable.get("value")),
                "description": str(variable.get("description") or ""),
                "created_at": int(conversation.created_at),
                "updated_at": int(conversation.updated_at),
            }
        )
    return items


@router.get("/conversations/{conversation_id}/variables", summary="A conversation's variables")
async def conversation_variables(
    conversation_id: str,
    app: AppDep,
    svc: ServicesDep,
    user: str | None = None,
    last_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    variable_name: str | None = None,
) -> dict[str, Any]:
    conversation = await _mine(svc, app, conversation_id, user)
    items = await _variables(svc, app, conversation)
    if variable_name:
        items = [v for v in items if v["name"] == variable_name]
    if last_id:
        ids = [v["id"] for v in items]
        if last_id not in ids:
            raise ApiError(404, "not_found", "Last Variable Not Exists.")
        items = items[ids.index(last_id) + 1 :]
    return {"limit": limit, "has_more": len(items) > limit, "data": items[:limit]}


def _type_matches(value_type: str, value: Any) -> bool:
    if value_type.startswith("array"):
        return isinstance(value, list)
    expected = _PY_TYPES.get(value_type)
    if expected is None:
        return True
    return isinstance(value, expected) and not (value_type == "number" and isinstance(value, bool))


@router.put("/conversations/{conversation_id}/variables/{variable_id}", summary="Set a conversation variable")
async def update_variable(
    conversation_id: str, variable_id: str, body: VariableUpdateBody, app: AppDep, svc: ServicesDep
) -> dict[str, Any]:
    conversation = await _mine(svc, app, conversation_id, body.user)
    item = next((v for v in await _variables(svc, app, conversation) if v["id"] == variable_id), None)
    if item is None:
        raise ApiError(404, "not_found", "Conversation Variable Not Exists.")
    if not _type_matches(item["value_type"], body.value):
        raise ApiError(
            400, "bad_request", f"Variable type mismatch: {item['name']} expects {item['value_type']}."
        )
    conversation.variables = {**conversation.variables, item["name"]: body.value}
    conversation.updated_at = time.time()
    await svc.store.update_conversation(conversation)
    return {**item, "value": body.value, "updated_at": int(conversation.updated_at)}


# The official SDK sends PATCH for the same update.
router.add_api_route(
    "/conversations/{conversation_id}/variables/{variable_id}",
    update_variable,
    methods=["PATCH"],
    include_in_schema=False,
)
