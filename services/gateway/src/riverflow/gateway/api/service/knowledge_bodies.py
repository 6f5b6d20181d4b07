"""Request bodies of the Knowledge API (dataset keys)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "DatasetCreate",
    "DatasetUpdate",
    "DocumentByText",
    "SegmentsCreate",
    "SegmentUpdate",
    "RetrieveBody",
]


class _Body(BaseModel):
    model_config = ConfigDict(extra="allow")


class DatasetCreate(_Body):
    name: str = Field(min_length=1, max_length=40)
    description: str | None = Field(default=None, max_length=400)
    indexing_technique: Literal["high_quality", "economy"] | None = None
    permission: Literal["only_me", "all_team_members", "partial_members"] | None = "only_me"
    provider: Literal["vendor", "external"] | None = "vendor"
    embedding_model: str | None = None
    embedding_model_provider: str | None = None
    retrieval_model: dict[str, Any] | None = None
    external_knowledge_api_id: str | None = None
    external_knowledge_id: str | None = None
    summary_index_setting: dict[str, Any] | None = None


class DatasetUpdate(_Body):
    name: str | None = Field(default=None, min_length=1, max_length=40)
    description: str | None = Field(default=None, max_length=400)
    indexing_technique: Literal["high_quality", "economy"] | None = None
    permission: Literal["only_me", "all_team_members", "partial_members"] | None = None
    embedding_model: str | None = None
    embedding_model_provider: str | None = None
    retrieval_model: dict[str, Any] | None = None
    partial_member_list: list[Any] | None = None
    external_retrieval_model: dict[str, Any] | None = None


class DocumentByText(_Body):
    name: str = Field(min_length=1, max_length=255)
    text: str
    indexing_technique: Literal["high_quality", "economy"] | None = None
    doc_form: Literal["text_model", "hierarchical_model", "qa_model"] | None = None
    doc_language: str | None = None
    process_rule: dict[str, Any] | None = None
    retrieval_model: dict[str, Any] | None = None
    embedding_model: str | None = None
    embedding_model_provider: str | None = None
    original_document_id: str | None = None


class _SegmentIn(_Body):
    content: str = Field(min_length=1)
    answer: str | None = None
    keywords: list[str] | None = None
    attachment_ids: list[str] | None = None


class SegmentsCreate(_Body):
    segments: list[_SegmentIn] = Field(min_length=1)


class _SegmentChange(_Body):
    content: str | None = None
    answer: str | None = None
    keywords: list[str] | None = None
    enabled: bool | None = None
    regenerate_child_chunks: bool | None = None
    attachment_ids: list[str] | None = None
    summary: str | None = None


class SegmentUpdate(_Body):
    segment: _SegmentChange


class RetrieveBody(_Body):
    query: str = Field(min_length=1, max_length=250)
    retrieval_model: dict[str, Any] | None = None
    external_retrieval_model: dict[str, Any] | None = None
    attachment_ids: list[str] | None = None
