"""Suggested questions after an answer: the gateway gathers the conversation and asks the agent.

The agent service owns every model call; this module only decides what to ask (the app's model,
the conversation up to the message) and turns any failure into "no suggestions", as Dify does.
"""

from __future__ import annotations

import logging
import time
from typing import Any

from riverflow.contracts.events.v1.suggestions import ConversationTurn, SuggestQuestionsRequest
from riverflow.gateway.app_runtime import Runnable
from riverflow.gateway.chat_records import MessageRecord
from riverflow.gateway.ports import BusUnavailable, Store, Suggester
from riverflow.gateway.records import AppRecord

__all__ = ["MAX_QUESTIONS", "TIMEOUT_SECONDS", "app_model", "suggest"]

log = logging.getLogger("riverflow.gateway.suggestions")

MAX_QUESTIONS = 3
#: The agent retries and falls back on its own; past this the user gets no suggestions.
TIMEOUT_SECONDS = 30.0
#: Messages read back for the prompt (the agent keeps the last few of them).
_HISTORY_MESSAGES = 20


def app_model(app_runtime: Runnable) -> dict[str, Any]:
    """The model block of the app's first LLM node (a chat app's ``model_config.model`` becomes one);
    empty when the app has none, which the agent answers with the default model."""
    graph = app_runtime.definition.graph
    for node in graph.nodes if graph is not None else []:
        if node.node_type == "llm":
            model = (node.data.model_extra or {}).get("model")
            if isinstance(model, dict) and model.get("name"):
                return dict(model)
    return {}


async def _history(store: Store, message: MessageRecord) -> list[ConversationTurn]:
    """The conversation's answered turns up to and including ``message``, oldest first."""
    current = ConversationTurn(query=message.query, answer=message.answer or "")
    if message.conversation_id is None:
        return [current]
    messages, _ = await store.list_messages(message.conversation_id, first_id=None, limit=_HISTORY_MESSAGES)
    ids = [m.id for m in messages]
    if message.id not in ids:  # an older message: its own turn is the context
        return [current]
    earlier = messages[: ids.index(message.id)]
    turns = [ConversationTurn(query=m.query, answer=m.answer or "") for m in earlier if m.status == "normal"]
    return [*turns, current]


async def suggest(
    store: Store, suggester: Suggester | None, app: AppRecord, app_runtime: Runnable, message: MessageRecord
) -> list[str]:
    """Up to ``MAX_QUESTIONS`` questions; none when no model answered in time or the call failed."""
    if suggester is None:
        return []
    request = SuggestQuestionsRequest(
        message_id=message.id,
        workspace_id=app.workspace_id,
        app_id=app.id,
        model=app_model(app_runtime),
        history=await _history(store, message),
        max_questions=MAX_QUESTIONS,
        at=time.time(),
    )
    try:
        reply = await suggester.suggest(request, TIMEOUT_SECONDS)
    except (TimeoutError, BusUnavailable) as exc:
        log.warning("suggested questions for %s: no answer from the agent (%s)", message.id, exc)
        return []
    if reply.error:
        log.warning("suggested questions for %s: %s (%s)", message.id, reply.error, reply.error_type)
        return []
    questions = [q.strip() for q in reply.questions if isinstance(q, str) and q.strip()]
    return questions[:MAX_QUESTIONS]
