"""Retrieval port: the ``Retriever`` protocol the domain uses, and an in-memory reference adapter."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Protocol

__all__ = ["RetrievalQuery", "RetrievedSegment", "Retriever", "InMemoryRetriever"]

_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class RetrievalQuery:
    """One retrieval request, as the ``Retrieve`` RPC and the knowledge-retrieval node send it."""

    dataset_ids: tuple[str, ...]
    query: str
    top_k: int = 4
    score_threshold: float | None = None
    #: Dify's retrieval method; adapters that support only one method may ignore it.
    search_method: str = ""


@dataclass(frozen=True)
class RetrievedSegment:
    """A dataset segment and how well it matched."""

    segment_id: str
    document_id: str
    dataset_id: str
    content: str
    score: float = 0.0
    metadata: dict[str, Any] = field(default_factory=dict)


class Retriever(Protocol):
    """Finds the segments of the given datasets that best match a query, best first."""

    async def retrieve(self, query: RetrievalQuery) -> list[RetrievedSegment]: ...


class InMemoryRetriever:
    """Reference ``Retriever`` over segments held in memory, scored by query-term overlap.

    Example:
        >>> retriever = InMemoryRetriever([RetrievedSegment("s1", "d1", "ds", "NATS streams")])
        >>> await retriever.retrieve(RetrievalQuery(dataset_ids=("ds",), query="streams"))
    """

    def __init__(self, segments: list[RetrievedSegment] | None = None) -> None:
        self._segments: list[RetrievedSegment] = list(segments or ())

    def add(self, segment: RetrievedSegment) -> None:
        self._segments.append(segment)

    async def retrieve(self, query: RetrievalQuery) -> list[RetrievedSegment]:
        terms = set(_WORD.findall(query.query.lower()))
        if not terms or query.top_k <= 0:
            return []
        datasets = set(query.dataset_ids)
        scored = []
        for segment in self._segments:
            if segment.dataset_id not in datasets:
                continue
            words = set(_WORD.findall(segment.content.lower()))
            score = len(terms & words) / len(terms)
            if score == 0.0 or (query.score_threshold is not None and score < query.score_threshold):
                continue
            scored.append(
                RetrievedSegment(
                    segment.segment_id,
                    segment.document_id,
                    segment.dataset_id,
                    segment.content,
                    score,
                    dict(segment.metadata),
                )
            )
        # Stable sort keeps insertion order among equal scores, so results are deterministic.
        scored.sort(key=lambda s: s.score, reverse=True)
        return scored[: query.top_k]
