"""Segment use cases: add, list, get, update (re-embedding what changed), delete — store first, then rows."""

from __future__ import annotations

import uuid
from typing import Any

from riverflow.rag.components import RagComponents
from riverflow.rag.datasets import load_dataset
from riverflow.rag.db import ChildChunkRow, DatasetRow, DocumentRow, SegmentRow
from riverflow.rag.documents import document_not_found
from riverflow.rag.errors import KnowledgeError, invalid_param
from riverflow.rag.indexing import chunk_records
from riverflow.rag.ingestion import child_id, content_hash
from riverflow.rag.keywords import extract_keywords
from riverflow.rag.process_rules import resolve_process_rule
from sqlalchemy import delete, func, select

__all__ = ["SegmentService", "segment_not_found"]


def segment_not_found() -> KnowledgeError:
    return KnowledgeError("not_found", "Segment not found.", 404)


class SegmentService:
    def __init__(self, c: RagComponents) -> None:
        self._c = c

    async def _load(
        self, session: Any, workspace_id: str, dataset_id: str, document_id: str
    ) -> tuple[DatasetRow, DocumentRow]:
        dataset = await load_dataset(session, workspace_id, dataset_id)
        doc = await session.get(DocumentRow, document_id)
        if doc is None or doc.dataset_id != dataset_id:
            raise document_not_found()
        return dataset, doc

    def _children(self, doc: DocumentRow, segment: SegmentRow) -> list[ChildChunkRow]:
        _, rule = resolve_process_rule(doc.process_rule, doc.doc_form)
        if rule.child is None:
            return []
        now = self._c.now()
        texts = self._c.chunker.split(segment.content, rule.child) or [segment.content]
        return [
            ChildChunkRow(
                id=child_id(segment.id + f":{now}", i),
                dataset_id=doc.dataset_id,
                document_id=doc.id,
                segment_id=segment.id,
                position=i,
                content=t,
                word_count=len(t),
                created_at=now,
                updated_at=now,
            )
            for i, t in enumerate(texts, start=1)
        ]

    async def _index(
        self, dataset: DatasetRow, doc: DocumentRow, segments: list[SegmentRow], children: list[ChildChunkRow]
    ) -> None:
        embedder = None
        if dataset.indexing_technique != "economy":
            embedder = self._c.embedders.get(dataset.embedding_model_provider, dataset.embedding_model)
        records = await chunk_records(dataset, doc, segments, children, embedder, self._c.limits.embed_batch)
        if records:
            await self._c.store.upsert(records)

    async def create(
        self, workspace_id: str, user: str, dataset_id: str, document_id: str, new: list[dict[str, Any]]
    ) -> tuple[list[tuple[SegmentRow, list[ChildChunkRow]]], str]:
        if not new:
            raise invalid_param("segments must not be empty")
        if any(not (s.get("content") or "").strip() for s in new):
            raise invalid_param("segments[].content is required")
        async with self._c.sessions() as session:
            dataset, doc = await self._load(session, workspace_id, dataset_id, document_id)
            if doc.indexing_status != "completed" or not doc.enabled:
                raise KnowledgeError("not_found", "Document is not completed.", 404)
            start = (
                await session.execute(
                    select(func.coalesce(func.max(SegmentRow.position), 0)).where(
                        SegmentRow.document_id == doc.id
                    )
                )
            ).scalar_one()
            now = self._c.now()
            made: list[tuple[SegmentRow, list[ChildChunkRow]]] = []
            for i, s in enumerate(new, start=1):
                content = s["content"].strip()
                seg = SegmentRow(
                    id=str(uuid.uuid4()),
                    dataset_id=dataset_id,
                    document_id=doc.id,
                    position=start + i,
                    content=content,
                    answer=s.get("answer") or "",
                    keywords=list(s.get("keywords") or extract_keywords(content)),
                    word_count=len(content),
                    tokens=self._c.chunker.count_tokens(content),
                    index_node_hash=content_hash(content),
                    status="completed",
                    created_by=user,
                    created_at=now,
                    updated_at=now,
                    updated_by=user,
                    completed_at=now,
                )
                seg.index_node_id = seg.id
                made.append((seg, self._children(doc, seg)))
            await self._index(dataset, doc, [s for s, _ in made], [k for _, ks in made for k in ks])
            for seg, kids in made:
                session.add(seg)
                session.add_all(kids)
            doc.word_count += sum(s.word_count for s, _ in made)
            doc.tokens += sum(s.tokens for s, _ in made)
            doc.completed_segments += len(made)
            doc.total_segments += len(made)
            await session.commit()
            return made, doc.doc_form

    async def list(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        page: int,
        limit: int,
        keyword: str,
        statuses: list[str],
    ) -> tuple[list[tuple[SegmentRow, list[ChildChunkRow]]], int, str]:
        async with self._c.sessions() as session:
            _, doc = await self._load(session, workspace_id, dataset_id, document_id)
            query = select(SegmentRow).where(SegmentRow.document_id == doc.id)
            if keyword:
                query = query.where(SegmentRow.content.contains(keyword, autoescape=True))
            if statuses:
                query = query.where(SegmentRow.status.in_(statuses))
            total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
            rows = (
                await session.scalars(
                    query.order_by(SegmentRow.position).offset((page - 1) * limit).limit(limit)
                )
            ).all()
            kids = await self._children_of(session, [r.id for r in rows])
            return [(r, kids.get(r.id, [])) for r in rows], int(total), doc.doc_form

    async def _children_of(self, session: Any, segment_ids: list[str]) -> dict[str, list[ChildChunkRow]]:
        out: dict[str, list[ChildChunkRow]] = {}
        if segment_ids:
            rows = (
                await session.scalars(
                    select(ChildChunkRow)
                    .where(ChildChunkRow.segment_id.in_(segment_ids))
                    .order_by(ChildChunkRow.position)
                )
            ).all()
            for k in rows:
                out.setdefault(k.segment_id, []).append(k)
        return out

    async def get(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> tuple[SegmentRow, list[ChildChunkRow], str]:
        async with self._c.sessions() as session:
            _, doc = await self._load(session, workspace_id, dataset_id, document_id)
            seg = await session.get(SegmentRow, segment_id)
            if seg is None or seg.document_id != doc.id:
                raise segment_not_found()
            return seg, (await self._children_of(session, [seg.id])).get(seg.id, []), doc.doc_form

    async def update(
        self,
        workspace_id: str,
        user: str,
        dataset_id: str,
        document_id: str,
        segment_id: str,
        changes: dict[str, Any],
    ) -> tuple[SegmentRow, list[ChildChunkRow], str]:
        async with self._c.sessions() as session:
            dataset, doc = await self._load(session, workspace_id, dataset_id, document_id)
            seg = await session.get(SegmentRow, segment_id)
            if seg is None or seg.document_id != doc.id:
                raise segment_not_found()
            kids = (await self._children_of(session, [seg.id])).get(seg.id, [])
            content = changes.get("content")
            if content is not None and not content.strip():
                raise invalid_param("segment.content must not be empty")
            old_ids = [k.id for k in kids] or [seg.id]
            if content is not None and content.strip() != seg.content:
                doc.word_count += len(content.strip()) - seg.word_count
                seg.content = content.strip()
                seg.word_count, seg.tokens = len(seg.content), self._c.chunker.count_tokens(seg.content)
                seg.index_node_hash = content_hash(seg.content)
                if "keywords" not in changes:
                    seg.keywords = extract_keywords(seg.content)
            if changes.get("answer") is not None:
                seg.answer = changes["answer"]
            if changes.get("keywords") is not None:
                seg.keywords = list(changes["keywords"])
            if kids and (changes.get("regenerate_child_chunks") or content is not None):
                await session.execute(delete(ChildChunkRow).where(ChildChunkRow.segment_id == seg.id))
                kids = self._children(doc, seg)
                session.add_all(kids)
            if changes.get("enabled") is not None and bool(changes["enabled"]) != seg.enabled:
                seg.enabled = bool(changes["enabled"])
                seg.disabled_at, seg.disabled_by = (None, None) if seg.enabled else (self._c.now(), user)
            seg.updated_at, seg.updated_by = self._c.now(), user
            # The index follows the row: a disabled segment leaves it, an edited one is embedded again.
            await self._c.store.delete_chunks(dataset_id, old_ids)
            if seg.enabled:
                await self._index(dataset, doc, [seg], kids)
            await session.commit()
            return seg, kids, doc.doc_form

    async def delete(self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str) -> None:
        async with self._c.sessions() as session:
            _, doc = await self._load(session, workspace_id, dataset_id, document_id)
            seg = await session.get(SegmentRow, segment_id)
            if seg is None or seg.document_id != doc.id:
                raise segment_not_found()
            kids = (await self._children_of(session, [seg.id])).get(seg.id, [])
            await self._c.store.delete_chunks(dataset_id, [k.id for k in kids] + [seg.id])
            await session.execute(delete(ChildChunkRow).where(ChildChunkRow.segment_id == seg.id))
            doc.word_count -= seg.word_count
            doc.tokens -= seg.tokens
            doc.completed_segments = max(doc.completed_segments - 1, 0)
            doc.total_segments = max(doc.total_segments - 1, 0)
            await session.delete(seg)
            await session.commit()
