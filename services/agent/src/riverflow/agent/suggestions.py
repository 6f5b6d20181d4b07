"""Suggested questions after an answer (Dify's ``suggested_questions_after_answer``).

The gateway asks over NATS request/reply (``rf.v1.agent.suggest``); one model call answers it,
through the same path as node tasks: routing (the app's model, else the default model), retries,
circuit breakers and fallbacks, a checkpoint keyed by the message (asking again for the same
message replays the stored answer instead of paying for a second call), usage in the reply.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Sequence
from typing import Any

from faststream.nats import NatsRouter
from riverflow.agent.model_calls import ModelCaller
from riverflow.agent.ports import ChatMessage, ModelError
from riverflow.agent.task_runner import TaskRunner
from riverflow.contracts import agent_subjects
from riverflow.contracts.events.v1.suggestions import (
    ConversationTurn,
    SuggestQuestionsReply,
    SuggestQuestionsRequest,
)

__all__ = ["INSTRUCTION", "build_prompt", "parse_questions", "suggest", "make_suggest_router"]

log = logging.getLogger("riverflow.agent.suggestions")

#: Dify's instruction (``SUGGESTED_QUESTIONS_AFTER_ANSWER_INSTRUCTION_PROMPT``), in substance.
INSTRUCTION = (
    "Please help me predict the three most likely questions that human would ask, "
    "and keeping each question under 20 characters.\n"
    "MAKE SURE your output is the SAME language as the Assistant's latest response "
    "(if the main response is written in Chinese, then the language of your output must be using Chinese.)!\n"
    "The output must be an array in JSON format following the specified schema:\n"
    '["question1","question2","question3"]\n'
)
#: Dify reads the last 3 messages, at most about 3000 tokens of them.
HISTORY_TURNS = 3
HISTORY_CHARS = 12_000
#: Dify's parameters for this call: short and deterministic.
COMPLETION_PARAMS = {"max_tokens": 256, "temperature": 0.0}

_FENCE = re.compile(r"```(?:json)?", re.IGNORECASE)


def build_prompt(history: Sequence[ConversationTurn]) -> str:
    """Dify's prompt: the recent conversation as ``Human:``/``Assistant:`` lines, then the instruction."""
    lines: list[str] = []
    for turn in list(history)[-HISTORY_TURNS:]:
        lines.append(f"Human: {turn.query}")
        lines.append(f"Assistant: {turn.answer}")
    text = "\n".join(lines)
    if len(text) > HISTORY_CHARS:  # keep the newest part: the last answer matters most
        text = text[-HISTORY_CHARS:]
    return f"{text}\n{INSTRUCTION}\nquestions:\n"


def _strings(items: Any) -> list[str]:
    return [item.strip() for item in items if isinstance(item, str) and item.strip()]


def parse_questions(text: str, limit: int = 3) -> list[str]:
    """The questions in a model's answer: the first JSON array of strings in it (code fences, prose
    around it and ``]`` inside strings are fine), else a JSON object's string values; else none."""
    cleaned = _FENCE.sub("", text or "").strip()
    decoder = json.JSONDecoder()
    found: list[str] = []
    for index, char in enumerate(cleaned):
        if char not in "[{":
            continue
        try:
            value, _ = decoder.raw_decode(cleaned, index)
        except ValueError:
            continue
        if isinstance(value, list) and _strings(value):
            found = _strings(value)
            break
        if isinstance(value, dict) and not found:
            found = _strings(value.values())
    questions: list[str] = []
    for question in found:
        if question not in questions:
            questions.append(question)
    return questions[: max(limit, 0)]


async def suggest(runner: TaskRunner, request: SuggestQuestionsRequest) -> SuggestQuestionsReply:
    """One model call with the runner's router, client and checkpoints; failures answer no questions."""
    caller = ModelCaller(
        runner.router,
        runner.client,
        runner.results,
        task_key=f"suggest:{request.message_id}",
        workspace_id=request.workspace_id,
        app_id=request.app_id,
    )
    model = {**request.model, "mode": "chat", "completion_params": dict(COMPLETION_PARAMS)}
    prompt = build_prompt(request.history)
    try:
        response = await caller.call({"model": model}, [ChatMessage("user", prompt)], model=model)
    except ModelError as exc:
        log.warning("suggested questions for %s: model call failed (%s)", request.message_id, exc.error_type)
        return SuggestQuestionsReply(message_id=request.message_id, error=str(exc), error_type=exc.error_type)
    questions = parse_questions(response.text, request.max_questions)
    usage = caller.usage
    log.info(
        "suggested %d questions for %s (tokens=%s price=%s %s)",
        len(questions),
        request.message_id,
        usage["total_tokens"],
        usage["total_price"],
        usage["currency"],
    )
    return SuggestQuestionsReply(
        message_id=request.message_id, questions=questions, usage=usage, mock_model=caller.mock
    )


def make_suggest_router(runner: Callable[[], TaskRunner], max_workers: int = 4) -> NatsRouter:
    """The ``rf.v1.agent.suggest`` responder; replicas share a queue group, so one answers."""
    router = NatsRouter()

    @router.subscriber(agent_subjects.SUGGEST, queue=agent_subjects.SUGGEST_QUEUE, max_workers=max_workers)
    async def handle_suggest(request: SuggestQuestionsRequest) -> SuggestQuestionsReply:
        try:
            return await suggest(runner(), request)
        except Exception as exc:  # noqa: BLE001 - a bug answers "no suggestions", never silence
            log.exception("suggested questions for %s crashed", request.message_id)
            return SuggestQuestionsReply(
                message_id=request.message_id,
                error=f"{type(exc).__name__}: {exc}",
                error_type="InternalError",
            )

    return router
