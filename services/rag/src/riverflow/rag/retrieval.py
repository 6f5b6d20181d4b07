"""Dataset retrieval: Dify's four search methods over one or more datasets, then the segment rows.

Datasets are grouped by embedding model (a query vector is model-specific); hits are joined with
the metadata database, so chunks of disabled, archived, unfinished or deleted documents never
surface, and hierarchical datasets return parents carrying the child chunks that matched.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from riverflow.rag.components import RagComponents
from riverflow.rag.datasets import dataset_not_found
from riverflow.rag.db import ChildChunkRow, DatasetRow, DocumentRow, SegmentRow
from riverflow.rag.errors import KnowledgeError, invalid_param
from riverflow.rag.indexing import ECONOMY_VECTOR
from riverflow.rag.ports import ChunkHit, SearchRequest
from riverflow.rag.retrieval_model import RetrievalSpec
from sqlalchemy import select, update

__all__ = ["RetrievedItem", "DatasetRetriever", "MAX_QUERY_CHARS"]

logger = logging.getLogger("riverflow.rag.retrieval")
#: Dify caps the retrieve API's query at 250 characters; the node allows longer queries.
MAX_QUERY_CHARS = 250


@dataclass(frozen=True)
class RetrievedItem:
    segment: SegmentRow
    document: DocumentRow
    dataset: DatasetRow
    score: float
    child_chunks: tuple[tuple[ChildChunkRow, float], ...] = field(default_factory=tuple)


class DatasetRetriever:
    def __init__(self, c: RagComponents) -> None:
        self._c = c
        self._background: set[asyncio.Task[None]] = set()

    async def datasets(self, workspace_id: str, dataset_ids: Sequence[str], strict: bool) -> list[DatasetRow]:
        """The datasets, in request order; unknown ones raise 404 when ``strict``, else are skipped."""
        async with self._c.sessions() as session:
            rows = {
                r.id: r
                for r in (
                    await session.scalars(select(DatasetRow).where(DatasetRow.id.in_(list(dataset_ids))))
                ).all()
            }
        found = []
        for dataset_id in dict.fromkeys(dataset_ids):
            row = rows.get(dataset_id)
            if row is None or (workspace_id and row.workspace_id != workspace_id):
                if strict:
                    raise dataset_not_found()
                continue
            found.append(row)
        return found

    async def retrieve(
        self, datasets: Sequence[DatasetRow], query: str, spec: RetrievalSpec
    ) -> list[RetrievedItem]:
        if not query.strip():
            raise invalid_param("query is required")
        if not datasets or spec.top_k <= 0:
            return []
        hierarchical = any(d.doc_form == "hierarchical_model" for d in datasets)
        # Children collapse into parents and reranking reorders: fetch more than top_k first.
        fetch = spec.top_k * (4 if hierarchical or spec.rerank else 1)
        hits: list[ChunkHit] = []
        groups: dict[tuple[str, str], list[DatasetRow]] = {}
        for d in datasets:
            key = (
                ("economy", "")
                if d.indexing_technique == "economy"
                else (d.embedding_model_provider, d.embedding_model)
            )
            groups.setdefault(key, []).append(d)
        for (provider, model), members in groups.items():
            hits.extend(
                await self._search(
                    [d.id for d in members],
                    query,
                    spec,
                    fetch,
                    economy=provider == "economy",
                    provider=provider,
                    model=model,
                )
            )
        hits.sort(key=lambda h: -h.score)
        items = await self._join(hits, {d.id: d for d in datasets})
        if spec.rerank is not None:
            items = await self._rerank(query, items, spec)
        if spec.score_threshold is not None:
            items = [i for i in items if i.score >= spec.score_threshold]
        items = items[: spec.top_k]
        # Hit counts are bookkeeping: written after the answer, off the query's latency path.
        task = asyncio.create_task(self._count_hits([i.segment.id for i in items]))
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return items

    async def _search(
        self,
        dataset_ids: list[str],
        query: str,
        spec: RetrievalSpec,
        fetch: int,
        *,
        economy: bool,
        provider: str,
        model: str,
    ) -> list[ChunkHit]:
        method = "keyword_search" if economy else spec.search_method
        request = SearchRequest(
            tuple(dataset_ids),
            top_k=fetch,
            text=query,
            filter=spec.filter,
            vector_weight=spec.vector_weight,
            fusion=spec.fusion,
        )
        store = self._c.store
        if method == "keyword_search":
            return await store.keyword_search(request)
        if method == "full_text_search":
            return await store.text_search(request)
        vector = (
            list(ECONOMY_VECTOR)
            if economy
            else await self._c.embedders.get(provider, model).embed_query(query)
        )
        request = replace(request, vector=vector)
        if method == "hybrid_search":
            return await store.hybrid_search(request)
        return await store.vector_search(request)

    async def _join(self, hits: list[ChunkHit], datasets: dict[str, DatasetRow]) -> list[RetrievedItem]:
        if not hits:
            return []
        segment_ids = list(dict.fromkeys(h.segment_id for h in hits))
        child_hits = {h.id: h.score for h in hits if h.id != h.segment_id}
        async with self._c.sessions() as session:
            rows = (
                await session.execute(
                    select(SegmentRow, DocumentRow)
                    .join(DocumentRow, DocumentRow.id == SegmentRow.document_id)
                    .where(SegmentRow.id.in_(segment_ids))
                )
            ).all()
            children = {}
            if child_hits:
                children = {
                    k.id: k
                    for k in (
                        await session.scalars(
                            select(ChildChunkRow).where(ChildChunkRow.id.in_(list(child_hits)))
                        )
                    ).all()
                }
        segments = {s.id: s for s, _ in rows}
        documents = {d.id: d for _, d in rows}
        items: dict[str, RetrievedItem] = {}
        for hit in hits:  # best first: a parent's score is its best child's
            seg = segments.get(hit.segment_id)
            doc = documents.get(seg.document_id) if seg is not None else None
            if (
                seg is None
                or doc is None
                or not seg.enabled
                or not doc.enabled
                or doc.archived
                or doc.indexing_status != "completed"
            ):
                continue
            item = items.get(seg.id)
            if item is None:
                item = RetrievedItem(seg, doc, datasets[seg.dataset_id], hit.score)
            child = children.get(hit.id)
            if child is not None:
                item = replace(item, child_chunks=(*item.child_chunks, (child, hit.score)))
            items[seg.id] = item
        return list(items.values())

    async def _rerank(
        self, query: str, items: list[RetrievedItem], spec: RetrievalSpec
    ) -> list[RetrievedItem]:
        if self._c.rerankers is None:
            raise KnowledgeError(
                "invalid_param", "reranking models are not configured in this deployment", 400
            )
        if not items:
            return items
        provider, model = spec.rerank or ("", "")
        ranked = await self._c.rerankers(provider, model).rerank(
            query, [i.segment.content for i in items], spec.top_k
        )
        return [
            replace(items[index], score=float(score)) for index, score in ranked if 0 <= index < len(items)
        ]

    async def _count_hits(self, segment_ids: list[str]) -> None:
        if not segment_ids:
            return
        try:
            async with self._c.sessions() as session:
                await session.execute(
                    update(SegmentRow)
                    .where(SegmentRow.id.in_(segment_ids))
                    .values(hit_count=SegmentRow.hit_count + 1)
                )
                await session.commit()
        except Exception:  # a lost hit count must never fail a query
            logger.warning("could not count segment hits", exc_info=True)
