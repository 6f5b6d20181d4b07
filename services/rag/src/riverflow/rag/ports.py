"""The rag service's ports: vector store, embedder, upload store, ingestion queue, reranker.

Each port has an in-memory reference adapter (``stores/memory.py``, ``embedding/hashing.py``,
``uploads.py``, ``ingest_queue.py``) and one conformance suite that every adapter passes.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol

from riverflow.contracts.events.v1.rag import IngestionProgress, IngestionRequested
from riverflow.rag.filters import MetadataFilter

__all__ = [
    "ChunkRecord",
    "ChunkHit",
    "SearchRequest",
    "Fusion",
    "VectorStore",
    "Embedder",
    "UploadStore",
    "IngestQueue",
    "ProgressSink",
    "Reranker",
]

Fusion = Literal["weighted_score", "reciprocal_rank_fusion"]


@dataclass(frozen=True)
class ChunkRecord:
    """One indexed chunk: a segment, or a child chunk of a hierarchical segment.

    ``metadata`` holds flat JSON values (str, int, float, bool) that metadata filters can test:
    the document's metadata and the built-in fields (``document_name``, ``source`` ...).
    """

    id: str
    dataset_id: str
    document_id: str
    segment_id: str
    text: str
    vector: Sequence[float]
    keywords: tuple[str, ...] = ()
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ChunkHit:
    """A chunk that matched, best first. Scores are in [0, 1]:

    - vector search: cosine similarity (clamped at 0);
    - full-text and keyword search: BM25 relative to the best match of the query (best = 1.0);
    - hybrid: the fusion's score (weighted sum of the two, or reciprocal ranks scaled so 1.0 is
      first in both lists).
    """

    id: str
    dataset_id: str
    document_id: str
    segment_id: str
    text: str
    score: float
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class SearchRequest:
    """A search in datasets: ``text`` for full-text/keyword/hybrid, ``vector`` for vector/hybrid."""

    dataset_ids: tuple[str, ...]
    top_k: int
    text: str = ""
    vector: Sequence[float] | None = None
    filter: MetadataFilter | None = None
    #: Hybrid only: weight of the vector score (the keyword score gets ``1 - vector_weight``).
    vector_weight: float = 0.5
    fusion: Fusion = "weighted_score"
    #: Hybrid only: how many candidates each side contributes before fusion (0: the adapter's choice).
    candidates: int = 0


class VectorStore(Protocol):
    """Chunks with vectors and text, searchable by vector, by BM25 and by both.

    Writes of one document are atomic: after ``replace_document`` a reader sees either all of the
    document's old chunks or all of its new ones, never a mix or a part.
    """

    async def replace_document(
        self, dataset_id: str, document_id: str, records: Sequence[ChunkRecord]
    ) -> None: ...

    async def upsert(self, records: Sequence[ChunkRecord]) -> None: ...

    async def delete_chunks(self, dataset_id: str, ids: Sequence[str]) -> None: ...

    async def delete_document(self, dataset_id: str, document_id: str) -> None: ...

    async def delete_dataset(self, dataset_id: str) -> None: ...

    async def count(self, dataset_id: str, document_id: str | None = None) -> int: ...

    async def vector_search(self, request: SearchRequest) -> list[ChunkHit]: ...

    async def text_search(self, request: SearchRequest) -> list[ChunkHit]: ...

    async def keyword_search(self, request: SearchRequest) -> list[ChunkHit]: ...

    async def hybrid_search(self, request: SearchRequest) -> list[ChunkHit]: ...

    async def close(self) -> None: ...


class Embedder(Protocol):
    """Turns texts into unit vectors of ``dimension`` floats."""

    @property
    def dimension(self) -> int: ...

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]: ...

    async def embed_query(self, text: str) -> list[float]: ...


class UploadStore(Protocol):
    """Uploaded file bytes, kept until their document is ingested (any replica may ingest it)."""

    async def put(self, key: str, data: bytes) -> None: ...

    async def get(self, key: str) -> bytes | None: ...

    async def delete(self, key: str) -> None: ...


class IngestQueue(Protocol):
    """Where ingestion jobs go; the JetStream adapter returns once the job is stored."""

    async def submit(self, job: IngestionRequested) -> None: ...


class ProgressSink(Protocol):
    """Where indexing status changes are announced (watchers of a batch)."""

    async def publish(self, progress: IngestionProgress) -> None: ...


class Reranker(Protocol):
    """Scores ``documents`` against ``query``; returns ``(index, score)`` pairs, best first."""

    async def rerank(self, query: str, documents: Sequence[str], top_n: int) -> list[tuple[int, float]]: ...
