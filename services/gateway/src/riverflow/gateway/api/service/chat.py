"""``/chat-messages`` and ``/completion-messages`` (blocking and streaming) and their stop routes."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from riverflow.gateway import generation
from riverflow.gateway.api.deps import AppDep, ServicesDep
from riverflow.gateway.api.service.bodies import ChatBody, CompletionBody, StopBody
from riverflow.gateway.api.service.common import (
    find_conversation,
    published_version,
    require_chat_app,
    require_user,
    resolved_files,
)
from riverflow.gateway.app_runtime import runnable
from riverflow.gateway.errors import ApiError

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["chat"])


@router.post("/chat-messages", summary="Send a chat message (chat, agent-chat, advanced-chat apps)")
async def chat_messages(body: ChatBody, app: AppDep, svc: ServicesDep) -> Any:
    require_chat_app(app)
    user = require_user(body.user)
    streaming = body.response_mode == "streaming"
    if app.mode == "agent-chat" and not streaming:
        raise ApiError(400, "invalid_param", "Agent Chat App does not support blocking mode")
    version = await published_version(svc, app, body.workflow_id)
    app_runtime = runnable(app.mode, version.dsl)
    conversation = await find_conversation(svc, app, user, body.conversation_id)
    # A conversation keeps the inputs it started with, as in Dify.
    inputs = generation.validated_inputs(app_runtime, conversation.inputs if conversation else body.inputs)
    files = await resolved_files(svc, app, body.files)
    name = generation.auto_name(body.query) if body.auto_generate_name else None
    started = await generation.start(
        svc,
        app,
        version,
        app_runtime,
        inputs=inputs,
        user=user,
        files=files,
        query=body.query,
        conversation=conversation,
        new_conversation_name=name,
    )
    return await generation.respond(svc, started, streaming)


@router.post("/completion-messages", summary="Generate a completion (completion apps)")
async def completion_messages(body: CompletionBody, app: AppDep, svc: ServicesDep) -> Any:
    if app.mode != "completion":
        raise ApiError(400, "app_unavailable", "App unavailable, please check your app configurations.")
    user = require_user(body.user)
    version = await published_version(svc, app)
    app_runtime = runnable(app.mode, version.dsl)
    inputs = generation.validated_inputs(app_runtime, body.inputs)
    files = await resolved_files(svc, app, body.files)
    query = body.query or str(body.inputs.get("query") or "")
    started = await generation.start(
        svc, app, version, app_runtime, inputs=inputs, user=user, files=files, query=query
    )
    return await generation.respond(svc, started, body.response_mode == "streaming")


@router.post("/chat-messages/{task_id}/stop", summary="Stop a chat reply")
async def stop_chat(task_id: str, body: StopBody, app: AppDep, svc: ServicesDep) -> dict[str, str]:
    require_chat_app(app)
    return await generation.stop(svc, app, task_id, require_user(body.user))


@router.post("/completion-messages/{task_id}/stop", summary="Stop a completion")
async def stop_completion(task_id: str, body: StopBody, app: AppDep, svc: ServicesDep) -> dict[str, str]:
    if app.mode != "completion":
        raise ApiError(400, "app_unavailable", "App unavailable, please check your app configurations.")
    return await generation.stop(svc, app, task_id, require_user(body.user))
