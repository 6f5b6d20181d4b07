"""Messages: the conversation's history, feedback, suggested questions, and the app's feedback list."""

from __future__ import annotations

import time
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from riverflow.gateway import suggestions
from riverflow.gateway.api.deps import AppDep, ServicesDep
from riverflow.gateway.api.service.bodies import FeedbackBody
from riverflow.gateway.api.service.common import (
    find_conversation,
    is_uuid,
    optional_user,
    require_chat_app,
    require_user,
)
from riverflow.gateway.app_runtime import runnable
from riverflow.gateway.chat_records import FeedbackRecord, MessageRecord
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import AppRecord

__all__ = ["router", "message_body"]

router = APIRouter(prefix="/v1", tags=["messages"])


def message_body(message: MessageRecord, feedback: FeedbackRecord | None) -> dict[str, Any]:
    return {
        "id": message.id,
        "conversation_id": message.conversation_id,
        "parent_message_id": message.parent_message_id,
        "inputs": message.inputs,
        "query": message.query,
        "answer": message.answer,
        "status": "error" if message.status == "error" else "normal",
        "error": message.error,
        "message_files": message.message_files,
        "feedback": {"rating": feedback.rating} if feedback is not None else None,
        "retriever_resources": message.retriever_resources,
        "agent_thoughts": message.agent_thoughts,
        "created_at": int(message.created_at),
        "extra_contents": [],
    }


async def _message(svc: Any, app: AppRecord, message_id: str, user: str) -> MessageRecord:
    message = await svc.store.get_message(app.id, message_id) if is_uuid(message_id) else None
    if message is None or (message.user, message.from_source) != (user, "api"):  # not a console run's
        raise ApiError(404, "not_found", "Message Not Exists.")
    return message


@router.get("/messages", summary="A conversation's messages, newest page first")
async def list_messages(
    app: AppDep,
    svc: ServicesDep,
    conversation_id: str,
    user: str | None = None,
    first_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> dict[str, Any]:
    require_chat_app(app)
    conversation = await find_conversation(svc, app, optional_user(user), conversation_id)
    if conversation is None:
        raise ApiError(404, "not_found", "Conversation Not Exists.")
    try:
        messages, has_more = await svc.store.list_messages(
            conversation.id, first_id=first_id or None, limit=limit
        )
    except LookupError:
        raise ApiError(404, "not_found", "First Message Not Exists.") from None
    data = [message_body(m, await svc.store.get_feedback(m.id)) for m in messages]
    return {"limit": limit, "has_more": has_more, "data": data}


@router.post("/messages/{message_id}/feedbacks", summary="Rate a message (null revokes)")
async def message_feedback(
    message_id: str, body: FeedbackBody, app: AppDep, svc: ServicesDep
) -> dict[str, str]:
    user = require_user(body.user)
    message = await _message(svc, app, message_id, user)
    if body.rating is None:
        if await svc.store.get_feedback(message.id) is None:
            raise ApiError(400, "invalid_param", "rating cannot be None when feedback not exists")
        await svc.store.set_feedback(None, message.id)
    else:
        feedback = FeedbackRecord(
            message.id, app.id, user, body.rating, body.content, time.time(), message.conversation_id
        )
        await svc.store.set_feedback(feedback, message.id)
    return {"result": "success"}


@router.get("/messages/{message_id}/suggested", summary="Questions to suggest after a message")
async def suggested_questions(
    message_id: str, app: AppDep, svc: ServicesDep, user: str | None = None
) -> dict[str, Any]:
    require_chat_app(app)
    message = await _message(svc, app, message_id, optional_user(user))
    version = await svc.store.published_version(app.id)
    app_runtime = runnable(app.mode, version.dsl) if version is not None else None
    if app_runtime is None or not app_runtime.feature_enabled("suggested_questions_after_answer"):
        raise ApiError(400, "bad_request", "Suggested Questions Is Disabled.")
    data = await suggestions.suggest(svc.store, svc.suggester, app, app_runtime, message)
    return {"result": "success", "data": data}


def _iso(value: float) -> str:
    return datetime.fromtimestamp(value, UTC).isoformat()


@router.get("/app/feedbacks", summary="The app's message feedback")
async def app_feedbacks(
    app: AppDep,
    svc: ServicesDep,
    page: Annotated[int, Query(ge=1, le=99999)] = 1,
    limit: Annotated[int, Query(ge=1, le=101)] = 20,
) -> dict[str, Any]:
    feedbacks = await svc.store.list_feedbacks(app.id, page=page, limit=limit)
    data = [
        {
            "id": f.message_id,
            "app_id": f.app_id,
            "conversation_id": f.conversation_id,
            "message_id": f.message_id,
            "rating": f.rating,
            "content": f.content,
            "from_source": "user",
            "from_end_user_id": f.user,
            "from_account_id": None,
            "created_at": _iso(f.created_at),
            "updated_at": _iso(f.created_at),
        }
        for f in feedbacks
    ]
    return {"data": data}
