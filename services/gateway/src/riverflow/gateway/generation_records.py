"""What a chat-family generation's end writes: its message's outcome and its conversation's touch."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["MessageOutcome"]


@dataclass
class MessageOutcome:
    """The end of one message's run (``Store.close_generation`` writes it in one transaction)."""

    app_id: str
    message_id: str
    status: str  # ``normal`` or ``error``
    error: str | None = None
    answer: str | None = None  # None keeps the stored answer (the run produced none)
    usage: dict[str, Any] = field(default_factory=dict)
    retriever_resources: list[dict[str, Any]] = field(default_factory=list)
    agent_thoughts: list[dict[str, Any]] = field(default_factory=list)
    conversation_id: str | None = None
    #: The run's final conversation variables (None: a failed run changes none).
    conversation_variables: dict[str, Any] | None = None
    #: The conversation's ``updated_at`` becomes at least this.
    at: float = 0.0
