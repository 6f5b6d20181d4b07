"""The reference ``VectorStore``: chunks in a dict, exact cosine search and a plain BM25 (k1=1.2, b=0.75)."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from riverflow.rag.fusion import fuse, relative_scores
from riverflow.rag.ports import ChunkHit, ChunkRecord, SearchRequest

__all__ = ["InMemoryVectorStore"]

_WORD = re.compile(r"\w+")
_K1, _B = 1.2, 0.75


def _terms(text: str) -> list[str]:
    return _WORD.findall(text.lower())


@dataclass
class _Entry:
    record: ChunkRecord
    norm: float
    text_terms: Counter[str]
    keyword_terms: Counter[str]


class InMemoryVectorStore:
    """Everything in process memory; for tests and as the behaviour every adapter must match."""

    def __init__(self) -> None:
        self._entries: dict[str, _Entry] = {}

    async def replace_document(
        self, dataset_id: str, document_id: str, records: Sequence[ChunkRecord]
    ) -> None:
        await self.delete_document(dataset_id, document_id)
        await self.upsert(records)

    async def upsert(self, records: Sequence[ChunkRecord]) -> None:
        for r in records:
            norm = math.sqrt(sum(float(x) * float(x) for x in r.vector))
            keywords = Counter(t for k in r.keywords for t in _terms(k))
            self._entries[r.id] = _Entry(r, norm, Counter(_terms(r.text)), keywords)

    async def delete_chunks(self, dataset_id: str, ids: Sequence[str]) -> None:
        for i in ids:
            entry = self._entries.get(i)
            if entry is not None and entry.record.dataset_id == dataset_id:
                del self._entries[i]

    async def delete_document(self, dataset_id: str, document_id: str) -> None:
        for key, e in list(self._entries.items()):
            if e.record.dataset_id == dataset_id and e.record.document_id == document_id:
                del self._entries[key]

    async def delete_dataset(self, dataset_id: str) -> None:
        for key, e in list(self._entries.items()):
            if e.record.dataset_id == dataset_id:
                del self._entries[key]

    async def count(self, dataset_id: str, document_id: str | None = None) -> int:
        return sum(
            1
            for e in self._entries.values()
            if e.record.dataset_id == dataset_id
            and (document_id is None or e.record.document_id == document_id)
        )

    def _candidates(self, request: SearchRequest) -> list[_Entry]:
        datasets = set(request.dataset_ids)
        return [
            e
            for e in self._entries.values()
            if e.record.dataset_id in datasets
            and (request.filter is None or request.filter.matches(e.record.metadata))
        ]

    async def vector_search(self, request: SearchRequest) -> list[ChunkHit]:
        if request.vector is None or request.top_k <= 0:
            return []
        query = [float(x) for x in request.vector]
        qnorm = math.sqrt(sum(x * x for x in query)) or 1.0
        scored = []
        for e in self._candidates(request):
            dot = sum(a * float(b) for a, b in zip(query, e.record.vector, strict=False))
            cosine = dot / (qnorm * (e.norm or 1.0))
            scored.append((max(cosine, 0.0), e))
        scored.sort(key=lambda p: -p[0])
        return [_hit(e.record, s) for s, e in scored[: request.top_k]]

    def _bm25(self, request: SearchRequest, field: str) -> list[ChunkHit]:
        terms = set(_terms(request.text))
        if not terms or request.top_k <= 0:
            return []
        # Statistics over the whole store, as a shared full-text index computes them.
        docs = [getattr(e, field) for e in self._entries.values()]
        n = len(docs) or 1
        avg = (sum(sum(d.values()) for d in docs) / n) or 1.0
        df = {t: sum(1 for d in docs if t in d) for t in terms}
        scored = []
        for e in self._candidates(request):
            counts: Counter[str] = getattr(e, field)
            length = sum(counts.values())
            score = 0.0
            for t in terms:
                tf = counts.get(t, 0)
                if tf:
                    idf = math.log(1 + (n - df[t] + 0.5) / (df[t] + 0.5))
                    score += idf * tf * (_K1 + 1) / (tf + _K1 * (1 - _B + _B * length / avg))
            if score > 0:
                scored.append((score, e))
        scored.sort(key=lambda p: -p[0])
        return relative_scores([_hit(e.record, s) for s, e in scored[: request.top_k]])

    async def text_search(self, request: SearchRequest) -> list[ChunkHit]:
        return self._bm25(request, "text_terms")

    async def keyword_search(self, request: SearchRequest) -> list[ChunkHit]:
        return self._bm25(request, "keyword_terms")

    async def hybrid_search(self, request: SearchRequest) -> list[ChunkHit]:
        wide = SearchRequest(
            **{**request.__dict__, "top_k": request.candidates or max(request.top_k * 4, 50)}
        )
        return fuse(
            await self.vector_search(wide),
            await self.text_search(wide),
            fusion=request.fusion,
            vector_weight=request.vector_weight,
            top_k=request.top_k,
        )

    async def close(self) -> None:
        self._entries.clear()


def _hit(r: ChunkRecord, score: float) -> ChunkHit:
    return ChunkHit(r.id, r.dataset_id, r.document_id, r.segment_id, r.text, score, dict(r.metadata))
