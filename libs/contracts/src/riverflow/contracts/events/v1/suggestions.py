"""Suggested questions after an answer: what the gateway asks the agent service, and its answer.

Request/reply on ``riverflow.contracts.agent_subjects.SUGGEST``. Evolve by adding optional fields.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field
from riverflow.contracts.events.v1.inbox_base import Contract

__all__ = ["ConversationTurn", "SuggestQuestionsRequest", "SuggestQuestionsReply"]


class ConversationTurn(Contract):
    query: str = ""
    answer: str = ""


class SuggestQuestionsRequest(Contract):
    """Suggest the questions a user is likely to ask next, after ``message_id``'s answer."""

    message_id: str = Field(description="The answered message; keys the model call's checkpoint.")
    workspace_id: str
    app_id: str
    model: dict[str, Any] = Field(
        default_factory=dict,
        description="Dify's model block (provider, name, mode, completion_params); empty: the default model.",
    )
    history: list[ConversationTurn] = Field(
        default_factory=list, description="The conversation up to and including the message, oldest first."
    )
    max_questions: int = 3
    at: float


class SuggestQuestionsReply(Contract):
    message_id: str
    questions: list[str] = Field(default_factory=list)
    #: Dify's usage keys (tokens, prices, currency, latency) of the model call.
    usage: dict[str, Any] = Field(default_factory=dict)
    #: Set when no model answered; ``questions`` is then empty.
    error: str | None = None
    error_type: str | None = None
    mock_model: bool = False
