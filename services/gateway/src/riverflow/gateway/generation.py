"""The generate routes' shared path: records, ``RunRequested``, then a streaming or blocking reply.

Every app mode runs the same way: the gateway records the run (and, for chat-family apps, the
conversation and message), publishes ``RunRequested``, and relays the run's events through a
``ReplyStream`` for the app's mode. The client's connection only decides what it sees: a
disconnect closes the relay, never the run, and the recorder writes the outcome either way.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from fastapi.responses import JSONResponse, StreamingResponse
from riverflow.contracts.events.v1 import RunEvent, RunRequested, RunStopRequested
from riverflow.gateway.api.deps import Services
from riverflow.gateway.app_runtime import Runnable
from riverflow.gateway.chat_records import ConversationRecord, MessageRecord
from riverflow.gateway.errors import ApiError
from riverflow.gateway.ports import BusUnavailable, RunQueueFull
from riverflow.gateway.records import AppRecord, VersionRecord
from riverflow.gateway.relay import sse_stream
from riverflow.gateway.reply_stream import ReplyContext, ReplyStream
from riverflow.gateway.runs import blocking_body, build_run_request, new_run_record, sse_frame

__all__ = ["Generation", "start", "respond", "stop", "auto_name", "validated_inputs"]

_SSE_HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}

#: Turns passed to memory at most (Dify's largest memory window is 100 messages, 50 turns).
_HISTORY_TURNS = 50
_NOT_ACCEPTED = "The run was not accepted (the platform is busy or restarting); nothing ran."

log = logging.getLogger("riverflow.gateway.generation")


@dataclass(frozen=True)
class Generation:
    request: RunRequested
    context: ReplyContext


def auto_name(query: str, limit: int = 30) -> str:
    """A conversation name without a model: the query's first line, cut at a word near ``limit``."""
    line = " ".join(query.strip().split())
    if not line:
        return "New conversation"
    if len(line) <= limit:
        return line
    cut = line[:limit].rsplit(" ", 1)[0] or line[:limit]
    return cut + "..."


def validated_inputs(runnable: Runnable, inputs: dict[str, Any]) -> dict[str, Any]:
    from riverflow.engine import InputError, validate_inputs

    try:
        return validate_inputs(runnable.definition, inputs)
    except InputError as exc:
        raise ApiError(400, "invalid_param", str(exc), params=getattr(exc, "field", None)) from None


async def start(
    svc: Services,
    app: AppRecord,
    version: VersionRecord,
    runnable: Runnable,
    *,
    inputs: dict[str, Any],
    user: str,
    files: list[dict[str, Any]],
    query: str | None = None,
    conversation: ConversationRecord | None = None,
    new_conversation_name: str | None = None,
    created_from: str = "service-api",
) -> Generation:
    """Record and publish one run; for chat-family apps also its message and conversation.

    ``conversation`` continues one; ``new_conversation_name`` starts one (chat modes only).
    ``created_from="console"`` is a console account's debug run (of a draft): no end user.
    """
    console = created_from == "console"
    end_user = None if console else await svc.store.ensure_end_user(app.id, user)
    # Dify's from_source: the Service API never sees a console run's records, whatever ``user`` says
    # (the bootstrap console token's user "console" is no account).
    source: dict[str, Any] = {}
    if console:
        source = {"from_source": "console", "from_account_id": None if user == "console" else user}
    now = time.time()
    system: dict[str, Any] = {}
    conversation_variables = None
    message_id = None
    if app.mode != "workflow":
        message_id = str(uuid.uuid4())
        system.update({"query": query or "", "message_id": message_id})
    new_conversation = False
    if app.mode not in ("workflow", "completion"):
        if conversation is None:
            new_conversation = True
            conversation = ConversationRecord(
                id=str(uuid.uuid4()),
                app_id=app.id,
                user=user,
                name=new_conversation_name or "New conversation",
                inputs=inputs,
                created_at=now,
                updated_at=now,
                introduction=str(runnable.features.get("opening_statement") or ""),
                **source,
            )
        else:
            conversation_variables = dict(conversation.variables) or None
            system["history"] = await _history(svc, conversation.id)
        conversation.dialogue_count += 1
        conversation.updated_at = now
        system.update({"conversation_id": conversation.id, "dialogue_count": conversation.dialogue_count})
    request = build_run_request(
        app,
        version,
        inputs,
        user,
        files,
        "debugger" if console else "service-api",
        dsl=runnable.dsl,
        system=system,
        conversation_variables=conversation_variables,
    )
    conversation_id = conversation.id if conversation is not None else None
    run = new_run_record(
        request,
        conversation_id=conversation_id,
        message_id=message_id,
        end_user_id=end_user.id if end_user is not None else None,
        created_from=created_from,
    )
    message = None
    if message_id is not None:
        message = MessageRecord(
            id=message_id,
            app_id=app.id,
            conversation_id=conversation_id,
            user=user,
            run_id=request.run_id,
            task_id=request.task_id,
            mode=app.mode,
            query=query or "",
            inputs=inputs,
            created_at=request.at,
            message_files=[_message_file(f, message_id) for f in files],
            **source,
        )
    # The conversation, run and message in one transaction: one commit per generation.
    await svc.store.open_generation(
        run, conversation=conversation, new_conversation=new_conversation, message=message
    )
    svc.recorder.expect(run)
    try:
        await svc.bus.publish_run(request)
    except (RunQueueFull, BusUnavailable):
        # Not accepted: the records say so rather than staying "running" forever.
        run.status, run.error, run.finished_at = "failed", _NOT_ACCEPTED, time.time()
        await svc.store.finish_run(run)
        if message is not None:
            message.status, message.error = "error", _NOT_ACCEPTED
            await svc.store.update_message(message)
        raise
    context = ReplyContext(app.mode, request.task_id, request.run_id, message_id, conversation_id)
    return Generation(request, context)


async def _history(svc: Services, conversation_id: str) -> list[dict[str, str]]:
    """Earlier turns for LLM memory (``sys.history``); the node's memory window cuts it further."""
    messages, _ = await svc.store.list_messages(conversation_id, first_id=None, limit=_HISTORY_TURNS)
    return [{"query": m.query, "answer": m.answer or ""} for m in messages if m.status == "normal"]


def _message_file(file: dict[str, Any], message_id: str) -> dict[str, Any]:
    return {
        "id": str(file.get("related_id") or file.get("upload_file_id") or uuid.uuid4()),
        "filename": file.get("filename") or "",
        "type": file.get("type") or "custom",
        "url": file.get("url") or file.get("remote_url") or "",
        "mime_type": file.get("mime_type") or "",
        "size": int(file.get("size") or 0),
        "transfer_method": file.get("transfer_method") or "local_file",
        "belongs_to": "user",
        "upload_file_id": file.get("upload_file_id"),
        "message_id": message_id,
    }


async def respond(svc: Services, generation: Generation, streaming: bool, after_seq: int = 0) -> Any:
    """SSE frames of the app's family, or the blocking body once the run ended.

    ``after_seq`` skips the events a resumed run had before it was resumed.
    """
    reply = ReplyStream(generation.context)
    events = svc.bus.events(generation.request.run_id, after_seq)
    run_id = generation.request.run_id
    if streaming and after_seq == 0 and reply.shows_graph:
        # A new run's workflow_started streams now, not once an orchestrator took the run from
        # the inbox (the other apps' first frame needs the model).
        from riverflow.engine import opening_event

        events = _opened(opening_event(generation.request, generation.request.inputs), events)

    async def recorded() -> None:
        await svc.recorder.wait(run_id, svc.settings.recorder_wait_seconds)

    if streaming:
        return StreamingResponse(
            sse_stream(
                events,
                svc.settings.ping_interval_seconds,
                render=lambda event: [sse_frame(f) for f in reply.translate(event)],
                after=recorded,
            ),
            media_type="text/event-stream; charset=utf-8",
            headers=_SSE_HEADERS,
        )
    from riverflow.gateway.relay import wait_terminal

    terminal = None

    async def translated():  # type: ignore[no-untyped-def]
        async for event in events:
            reply.translate(event)
            yield event

    terminal = await wait_terminal(translated(), svc.settings.blocking_timeout_seconds)
    if terminal is None:
        raise ApiError(
            504, "gateway_timeout", "The run did not finish in time; its result will be in the logs."
        )
    await recorded()
    if generation.context.mode == "workflow":
        return JSONResponse(blocking_body(generation.request, terminal))
    if reply.status == "failed":
        error = reply.error or {}
        raise ApiError(
            int(error.get("status") or 500),
            str(error.get("code") or "internal_server_error"),
            str(error.get("message") or "The run failed."),
        )
    return JSONResponse(reply.blocking_body())


async def _opened(opening: RunEvent, events: AsyncIterator[RunEvent]) -> AsyncIterator[RunEvent]:
    """``opening`` at once, then the run's logged events without the log's copy of it."""
    yield opening
    try:
        async for event in events:
            if event.seq != opening.seq:
                yield event
            elif event != opening:  # the engine logs the very event the gateway built
                log.warning("run %s: its logged first event differs from the one streamed", event.run_id)
    finally:  # its consumer or feed claim goes with this reader, not when collected
        aclose = getattr(events, "aclose", None)
        if aclose is not None:
            await aclose()


async def stop(
    svc: Services, app: AppRecord, task_id: str, user: str, *, console: bool = False
) -> dict[str, str]:
    """Ask the run of ``task_id`` to stop when it is this user's and still running; Dify answers
    success whatever the task id. The Service API stops only end users' runs (console runs have
    none), the console (``console``) only its own."""
    run = await svc.store.get_run_by_task(app.id, task_id)
    if run is None or run.user != user or (run.end_user_id is None) != console:
        return {"result": "success"}
    if run.status == "running":
        await svc.bus.publish_stop(
            RunStopRequested(event_id=f"{run.id}:stop", run_id=run.id, user=user, at=time.time())
        )
    return {"result": "success"}
