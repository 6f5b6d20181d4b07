"""Hybrid search fusion: weighted scores (Dify's ``weighted_score``) or reciprocal rank fusion."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from riverflow.rag.ports import ChunkHit, Fusion

__all__ = ["fuse", "relative_scores", "RRF_K"]

#: The usual RRF constant (Cormack et al. 2009); tuned on SciFact train, see bench/README.md.
RRF_K = 60


def relative_scores(hits: Sequence[ChunkHit]) -> list[ChunkHit]:
    """Scale scores so the best is 1.0 (BM25 has no fixed range)."""
    if not hits:
        return []
    best = max(h.score for h in hits)
    if best <= 0:
        return [replace(h, score=0.0) for h in hits]
    return [replace(h, score=h.score / best) for h in hits]


def fuse(
    vector_hits: Sequence[ChunkHit],
    text_hits: Sequence[ChunkHit],
    *,
    fusion: Fusion,
    vector_weight: float,
    top_k: int,
) -> list[ChunkHit]:
    """Merge the two ranked lists (each best first) into one; ties keep vector order, then text order.

    ``weighted_score``: ``w * cosine + (1 - w) * relative BM25`` (a side that missed a chunk gives 0).
    ``reciprocal_rank_fusion``: ``w / (k + rank_v) + (1 - w) / (k + rank_t)``, scaled so rank 1 in
    both lists scores 1.0.
    """
    w = min(max(vector_weight, 0.0), 1.0)
    by_id: dict[str, ChunkHit] = {}
    scores: dict[str, float] = {}
    if fusion == "reciprocal_rank_fusion":
        scale = RRF_K + 1
        for weight, hits in ((w, vector_hits), (1.0 - w, text_hits)):
            for rank, hit in enumerate(hits, start=1):
                by_id.setdefault(hit.id, hit)
                scores[hit.id] = scores.get(hit.id, 0.0) + weight * scale / (RRF_K + rank)
    else:
        for weight, hits in ((w, vector_hits), (1.0 - w, relative_scores(text_hits))):
            for hit in hits:
                by_id.setdefault(hit.id, hit)
                scores[hit.id] = scores.get(hit.id, 0.0) + weight * max(hit.score, 0.0)
    order = sorted(by_id, key=lambda i: -scores[i])  # sorted() is stable: ties keep insertion order
    return [replace(by_id[i], score=min(scores[i], 1.0)) for i in order[:top_k]]
