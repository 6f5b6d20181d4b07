"""Records of the chat side: end users, conversations, messages, feedback and uploaded files."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EndUserRecord",
    "ConversationRecord",
    "MessageRecord",
    "FeedbackRecord",
    "FileRecord",
]


@dataclass(frozen=True)
class EndUserRecord:
    """A Service API caller, named by the free ``user`` string (its session id) per app."""

    id: str
    app_id: str
    session_id: str
    created_at: float
    type: str = "service_api"
    is_anonymous: bool = False


@dataclass
class ConversationRecord:
    id: str
    app_id: str
    user: str
    name: str
    inputs: dict[str, Any]
    created_at: float
    updated_at: float
    status: str = "normal"
    introduction: str = ""
    #: Conversation variables by name: the values saved from the last finished run.
    variables: dict[str, Any] = field(default_factory=dict)
    dialogue_count: int = 0
    #: Dify's ``from_source``: ``api`` (an end user, through the Service API) or ``console`` (an
    #: account's debug run). Each side sees only its own, even when ``user`` names the same string.
    from_source: str = "api"
    #: The console account that started it (None for ``api``, and for the bootstrap console token).
    from_account_id: str | None = None


@dataclass
class MessageRecord:
    id: str
    app_id: str
    conversation_id: str | None
    user: str
    run_id: str
    task_id: str
    mode: str
    query: str
    inputs: dict[str, Any]
    created_at: float
    answer: str = ""
    #: ``running`` until the run ends, then ``normal`` or ``error``.
    status: str = "running"
    error: str | None = None
    message_files: list[dict[str, Any]] = field(default_factory=list)
    usage: dict[str, Any] = field(default_factory=dict)
    retriever_resources: list[dict[str, Any]] = field(default_factory=list)
    agent_thoughts: list[dict[str, Any]] = field(default_factory=list)
    parent_message_id: str | None = None
    #: As the conversation's: ``api`` or ``console`` (a completion's message has no conversation).
    from_source: str = "api"
    from_account_id: str | None = None


@dataclass(frozen=True)
class FeedbackRecord:
    message_id: str
    app_id: str
    user: str
    rating: str
    content: str | None
    created_at: float
    conversation_id: str | None = None


@dataclass(frozen=True)
class FileRecord:
    """An uploaded file; ``key`` is its path under the gateway's files directory."""

    id: str
    workspace_id: str
    app_id: str | None
    user: str
    name: str
    size: int
    extension: str
    mime_type: str
    key: str
    created_at: float
