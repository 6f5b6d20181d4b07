"""The rag service's own JetStream streams (ingestion jobs, progress), declared at startup, idempotently."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import RetentionPolicy, StorageType, StreamConfig
from riverflow.contracts import rag_subjects
from riverflow.runtime.streams import DUPLICATE_WINDOW_SECONDS, ensure_streams

__all__ = ["RAG_STREAMS", "ensure_rag_streams"]

_DAY = 24 * 3600.0

RAG_STREAMS = (
    StreamConfig(
        name=rag_subjects.INGEST_STREAM,
        description="Ingestion jobs: one per document to (re-)index.",
        subjects=[rag_subjects.INGEST_ALL],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        # Longer than any redelivery path, so a job re-submitted after a crash is a duplicate.
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        max_age=7 * _DAY,
    ),
    StreamConfig(
        name=rag_subjects.PROGRESS_STREAM,
        description="Indexing status changes, per dataset and batch.",
        subjects=[rag_subjects.PROGRESS_ALL],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        max_age=1 * _DAY,
    ),
)


async def ensure_rag_streams(js: JetStreamContext) -> None:
    await ensure_streams(js, RAG_STREAMS)
