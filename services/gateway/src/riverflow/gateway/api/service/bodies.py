"""Request bodies of the Service API: tolerant where Dify is (null files, empty ids), strict elsewhere."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "ChatBody",
    "CompletionBody",
    "WorkflowRunBody",
    "StopBody",
    "FeedbackBody",
    "RenameBody",
    "UserBody",
    "VariableUpdateBody",
    "TextToAudioBody",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class ChatBody(_Body):
    query: str
    inputs: dict[str, Any]
    user: str | None = None
    response_mode: Literal["blocking", "streaming"] | None = None
    conversation_id: str | None = None
    files: list[dict[str, Any]] | None = None
    auto_generate_name: bool = True
    workflow_id: str | None = None
    retriever_from: str | None = None


class CompletionBody(_Body):
    inputs: dict[str, Any]
    query: str | None = Field(default="", description="Legacy top-level query; prefer inputs.query.")
    user: str | None = None
    response_mode: Literal["blocking", "streaming"] | None = None
    files: list[dict[str, Any]] | None = None
    retriever_from: str | None = None


class WorkflowRunBody(_Body):
    inputs: dict[str, Any]
    user: str | None = None
    response_mode: Literal["blocking", "streaming"] | None = None
    files: list[dict[str, Any]] | None = None


class UserBody(_Body):
    user: str | None = None


class StopBody(UserBody):
    pass


class ResumeBody(UserBody):
    response_mode: Literal["blocking", "streaming"] | None = None


class FeedbackBody(_Body):
    rating: Literal["like", "dislike"] | None = None
    user: str | None = None
    content: str | None = None


class RenameBody(_Body):
    name: str | None = None
    auto_generate: bool = False
    user: str | None = None


class VariableUpdateBody(_Body):
    value: Any = None
    user: str | None = None


class TextToAudioBody(_Body):
    message_id: str | None = None
    text: str | None = None
    user: str | None = None
    voice: str | None = None
    streaming: bool | None = None
