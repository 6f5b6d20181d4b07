"""The parts the rag service's use cases share, built once in ``main.py`` (or a test) and passed down."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

from riverflow.rag.embedding.registry import EmbedderRegistry
from riverflow.rag.ports import IngestQueue, ProgressSink, Reranker, UploadStore, VectorStore
from riverflow.rag.splitting import TextChunker
from sqlalchemy.ext.asyncio import async_sessionmaker

__all__ = ["RagComponents", "Limits"]


@dataclass(frozen=True)
class Limits:
    #: Dify's default UPLOAD_FILE_SIZE_LIMIT (15 MB).
    max_upload_bytes: int = 15 * 1024 * 1024
    #: Documents embedded per batch during ingestion (progress and heartbeats come per batch).
    embed_batch: int = 64


@dataclass
class RagComponents:
    sessions: async_sessionmaker
    store: VectorStore
    embedders: EmbedderRegistry
    uploads: UploadStore
    queue: IngestQueue
    progress: ProgressSink
    chunker: TextChunker
    default_embedding_provider: str = "riverflow"
    default_embedding_model: str = "all-MiniLM-L6-v2"
    #: Builds a reranker for (provider, model); None: reranking requests are refused.
    rerankers: Callable[[str, str], Reranker] | None = None
    limits: Limits = field(default_factory=Limits)
    clock: Callable[[], float] = time.time

    def now(self) -> int:
        return int(self.clock())
