"""Run the draft from the console, as Dify's debugger does: nothing is published.

The run takes the Service API's path (``generation.start`` and ``respond``: the same SSE events, the
same recorder) with the draft's DSL in place of a published version's, and is recorded with
``created_from="console"`` under the draft's workflow id. Every check (app, mode, DSL, inputs,
conversation, files) runs before anything is written, so a refused run leaves nothing behind.
"""

from __future__ import annotations

import time
import uuid
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field
from riverflow.gateway import generation
from riverflow.gateway.api.console.access import ConsoleUser, require_role, workspace_app
from riverflow.gateway.api.deps import ServicesDep
from riverflow.gateway.api.service.common import find_conversation, resolved_files
from riverflow.gateway.app_runtime import runnable
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import AppRecord, VersionRecord

__all__ = ["router", "draft_workflow_id", "draft_version", "console_user_id", "console_reply", "console_chat"]

router = APIRouter(prefix="/console/api", tags=["console-runs"])

Editor = Annotated[ConsoleUser, Depends(require_role("editor"))]

#: Draft workflow ids are uuid5 of the app id in this namespace: stable, and never a version's id.
_DRAFT_NAMESPACE = uuid.UUID("6f1c3a52-9d0e-4c1b-8f57-2b7d8e4a9c10")


class DraftRunBody(BaseModel):
    model_config = ConfigDict(extra="allow")
    inputs: dict[str, Any] = Field(default_factory=dict)
    files: list[dict[str, Any]] | None = None
    #: Dify's console always streams; ``blocking`` is Riverflow's addition (scripts, tests).
    response_mode: Literal["blocking", "streaming"] = "streaming"


class DraftChatBody(DraftRunBody):
    query: str = ""
    conversation_id: str | None = None


def draft_workflow_id(app_id: str) -> str:
    """The workflow id a draft run is recorded under (Dify's draft workflow has an id of its own)."""
    return str(uuid.uuid5(_DRAFT_NAMESPACE, app_id))


def console_user_id(user: ConsoleUser) -> str:
    """The run's ``user``: the account, or ``console`` for the bootstrap console token."""
    return user.account_id or "console"


async def draft_version(svc: Any, app: AppRecord) -> VersionRecord:
    draft = await svc.store.get_draft(app.id)
    if draft is None:
        raise ApiError(404, "draft_workflow_not_exist", "Draft not found.")
    return VersionRecord(draft_workflow_id(app.id), app.id, 0, draft.dsl, False, time.time())


async def _draft(svc: Any, request: Request, app_id: str, user: ConsoleUser, mode: str, code: str) -> Any:
    """The caller's app of ``mode`` and its draft's runnable form (400 ``code`` for another mode)."""
    app = await workspace_app(request, app_id, user)
    if app.mode != mode:
        raise ApiError(400, code, "Please check if your app mode matches the right API route.")
    version = await draft_version(svc, app)
    return app, version, runnable(app.mode, version.dsl)


async def console_reply(svc: Any, draft: Any, body: Any, caller: str, inputs: Any, **chat: Any) -> Any:
    """Start a console run of ``draft`` (app, version, runnable) and answer as ``body`` asks."""
    app, version, app_runtime = draft
    files = await resolved_files(svc, app, body.files)
    started = await generation.start(
        svc,
        app,
        version,
        app_runtime,
        inputs=inputs,
        user=caller,
        files=files,
        created_from="console",
        **chat,
    )
    return await generation.respond(svc, started, body.response_mode == "streaming")


@router.post("/apps/{app_id}/workflows/draft/run", summary="Run the workflow's draft (not published)")
async def run_draft(app_id: str, body: DraftRunBody, request: Request, user: Editor, svc: ServicesDep) -> Any:
    draft = await _draft(svc, request, app_id, user, "workflow", "not_workflow_app")
    inputs = generation.validated_inputs(draft[2], body.inputs)
    return await console_reply(svc, draft, body, console_user_id(user), inputs)


async def console_chat(svc: Any, draft: Any, body: Any, caller: str) -> Any:
    """A chat turn of a console run: ``body.query`` in the caller's conversation, continued or new."""
    if not body.query.strip():
        raise ApiError(400, "invalid_param", "query is required.", params="query")
    conversation = await find_conversation(svc, draft[0], caller, body.conversation_id, "console")
    # A conversation keeps the inputs it started with, as in Dify.
    inputs = generation.validated_inputs(draft[2], conversation.inputs if conversation else body.inputs)
    return await console_reply(
        svc,
        draft,
        body,
        caller,
        inputs,
        query=body.query,
        conversation=conversation,
        new_conversation_name=generation.auto_name(body.query),
    )


@router.post(
    "/apps/{app_id}/advanced-chat/workflows/draft/run", summary="Send a message to the chatflow's draft"
)
async def run_chat_draft(
    app_id: str, body: DraftChatBody, request: Request, user: Editor, svc: ServicesDep
) -> Any:
    draft = await _draft(svc, request, app_id, user, "advanced-chat", "not_chat_app")
    return await console_chat(svc, draft, body, console_user_id(user))


@router.post(
    "/apps/{app_id}/workflow-runs/tasks/{task_id}/stop", summary="Stop a running debug run of the draft"
)
async def stop_draft_run(
    app_id: str, task_id: str, request: Request, user: Editor, svc: ServicesDep
) -> dict[str, str]:
    """Any editor of the app may stop its console runs; like Dify, success whatever the task id."""
    app = await workspace_app(request, app_id, user)
    run = await svc.store.get_run_by_task(app.id, task_id)
    if run is not None and run.created_from == "console":
        return await generation.stop(svc, app, task_id, run.user, console=True)
    return {"result": "success"}
