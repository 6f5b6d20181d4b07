"""Debug a chat, agent-chat or completion app's draft from the console, as Dify's debugger does.

``POST /console/api/apps/{app_id}/chat-messages`` (chat, agent-chat) and ``.../completion-messages``
(completion) take the Service API's body without ``user`` plus ``model_config``: the editor's
unsaved config, run in place of the draft's (the draft's own when it is absent or empty). Nothing is
saved or published. The run takes the Service API's path (``generation.start`` and ``respond``) and is
recorded as a console run of the draft (``created_from="console"``, the account as its user, no end
user), so the app's end users never see it. Every check runs before anything is written.
"""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from riverflow.gateway import generation
from riverflow.gateway.api.console.access import ConsoleUser, require_role, workspace_app
from riverflow.gateway.api.console.draft_run import (
    console_chat,
    console_reply,
    console_user_id,
    draft_version,
    stop_draft_run,
)
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.app_dsl import with_model_config
from riverflow.gateway.app_runtime import Runnable, runnable
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import AppRecord, VersionRecord

__all__ = ["router"]

router = APIRouter(prefix="/console/api", tags=["console-runs"])

Editor = Annotated[ConsoleUser, Depends(require_role("editor"))]

#: The modes each route serves, and the code refusing another (the Service API's codes).
_CHAT = (("chat", "agent-chat"), "not_chat_app")
_COMPLETION = (("completion",), "app_unavailable")


class DebugCompletionBody(BaseModel):
    model_config = ConfigDict(extra="allow", populate_by_name=True)
    inputs: dict[str, Any]
    #: The editor's config (Dify's ``model_config``; the name is pydantic's own).
    config: dict[str, Any] = Field(default_factory=dict, alias="model_config")
    files: list[dict[str, Any]] | None = None
    #: Dify's default; the studio streams.
    response_mode: Literal["blocking", "streaming"] = "blocking"
    query: str = ""


class DebugChatBody(DebugCompletionBody):
    query: str
    conversation_id: str | None = None


async def _draft(
    svc: Any, request: Request, app_id: str, user: ConsoleUser, route: tuple[tuple[str, ...], str], body: Any
) -> tuple[AppRecord, VersionRecord, Runnable]:
    """The app (400 for another mode), its draft with the body's config in place, and its runnable."""
    app = await workspace_app(request, app_id, user)
    modes, code = route
    if app.mode not in modes:
        raise ApiError(400, code, "Please check if your app mode matches the right API route.")
    version = await draft_version(svc, app)
    if not body.config:
        return app, version, runnable(app.mode, version.dsl)
    version = dataclasses.replace(version, dsl=with_model_config(version.dsl, body.config))
    try:
        return app, version, runnable(app.mode, version.dsl)
    except ApiError as exc:  # the editor's config, not the saved app, is what cannot run
        raise ApiError(400, "invalid_param", exc.message, params="model_config") from None


@router.post("/apps/{app_id}/chat-messages", summary="Debug a chat or agent app's draft (model_config)")
async def debug_chat(
    app_id: str, body: DebugChatBody, request: Request, user: Editor, svc: ServicesDep
) -> Any:
    draft = await _draft(svc, request, app_id, user, _CHAT, body)
    if draft[0].mode == "agent-chat" and body.response_mode != "streaming":
        raise ApiError(400, "invalid_param", "Agent Chat App does not support blocking mode")
    return await console_chat(svc, draft, body, console_user_id(user))


@router.post("/apps/{app_id}/completion-messages", summary="Debug a completion app's draft (model_config)")
async def debug_completion(
    app_id: str, body: DebugCompletionBody, request: Request, user: Editor, svc: ServicesDep
) -> Any:
    draft = await _draft(svc, request, app_id, user, _COMPLETION, body)
    inputs = generation.validated_inputs(draft[2], body.inputs)
    query = body.query or str(body.inputs.get("query") or "")
    return await console_reply(svc, draft, body, console_user_id(user), inputs, query=query)


# Stopping is the draft run's: any editor of the app may stop its console runs.
for _kind in ("chat-messages", "completion-messages"):
    router.add_api_route(
        f"/apps/{{app_id}}/{_kind}/{{task_id}}/stop",
        stop_draft_run,
        methods=["POST"],
        summary=f"Stop a debug run ({_kind})",
    )
