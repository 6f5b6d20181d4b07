"""``Suggester`` adapters: NATS request/reply to the agent service, and an in-process reference."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from riverflow.contracts import agent_subjects
from riverflow.contracts.events.v1.suggestions import SuggestQuestionsReply, SuggestQuestionsRequest

__all__ = ["NatsSuggester", "InMemorySuggester"]

Answer = Callable[[SuggestQuestionsRequest], Awaitable[SuggestQuestionsReply]]


class InMemorySuggester:
    """Answers with ``answer`` when given one; with none, nobody calls models in this process, so
    every request times out (as on a bus without an agent service)."""

    def __init__(self, answer: Answer | None = None) -> None:
        self._answer = answer

    async def suggest(self, request: SuggestQuestionsRequest, timeout: float) -> SuggestQuestionsReply:
        if self._answer is None:
            raise TimeoutError("no model service in this process")
        return await self._answer(request)


class NatsSuggester:
    """Asks on ``rf.v1.agent.suggest`` through the connection of ``broker`` (the run bus's,
    connected at startup); trace context travels in the headers."""

    def __init__(self, broker: Any) -> None:
        self._broker = broker

    async def suggest(self, request: SuggestQuestionsRequest, timeout: float) -> SuggestQuestionsReply:
        from nats.errors import Error as NatsError

        try:
            reply = await self._broker.request(request, agent_subjects.SUGGEST, timeout=timeout)
        except (NatsError, OSError) as exc:  # no responders, disconnected: nobody will answer
            raise TimeoutError(str(exc) or type(exc).__name__) from exc
        return SuggestQuestionsReply.model_validate_json(reply.body)
