"""Rag ingestion events: a job per document to index, and the progress it reports."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["IngestionRequested", "IngestionProgress", "IndexingStatusName"]

IndexingStatusName = Literal[
    "waiting", "parsing", "cleaning", "splitting", "indexing", "completed", "error", "paused"
]


class _Contract(BaseModel):
    # Unknown fields from a newer producer are kept, never rejected: contracts evolve by adding.
    model_config = ConfigDict(extra="allow")


class IngestionRequested(_Contract):
    """Index (or re-index) one document. Published with ``Nats-Msg-Id = job_id``.

    ``generation`` counts the document's (re-)indexings; a job whose generation is older than the
    document's is stale and skipped, and one whose generation is already completed is a duplicate.
    """

    job_id: str = Field(description="'<document_id>:<generation>'.")
    dataset_id: str
    document_id: str
    batch: str
    generation: int = 1
    #: "ingest" parses the uploaded file; "reembed" re-embeds the document's current segments
    #: (after the dataset's embedding model changed), keeping manual segment edits.
    mode: Literal["ingest", "reembed"] = "ingest"
    at: float


class IngestionProgress(_Contract):
    """A document's indexing status changed (Dify's indexing-status vocabulary)."""

    dataset_id: str
    document_id: str
    batch: str
    generation: int = 1
    indexing_status: IndexingStatusName
    completed_segments: int = 0
    total_segments: int = 0
    error: str | None = None
    at: float
