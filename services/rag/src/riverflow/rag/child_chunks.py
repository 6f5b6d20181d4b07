"""Child chunks of a parent-child (hierarchical) document's segment: list, add, edit, delete.

In such documents the child chunks are what the vector store indexes (the parent is returned as
context), so every change is written to the store first (embedded again), then to the rows.
"""

from __future__ import annotations

import math
import uuid
from typing import Any

from riverflow.rag.components import RagComponents
from riverflow.rag.datasets import load_dataset
from riverflow.rag.db import ChildChunkRow, DatasetRow, DocumentRow, SegmentRow
from riverflow.rag.documents import document_not_found
from riverflow.rag.errors import KnowledgeError, invalid_param
from riverflow.rag.indexing import chunk_records
from riverflow.rag.segments import segment_not_found
from sqlalchemy import func, select

__all__ = ["ChildChunkService", "child_chunk_not_found"]


def child_chunk_not_found() -> KnowledgeError:
    return KnowledgeError("not_found", "Child chunk not found.", 404)


def _content(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise invalid_param("content is required")
    return text


class ChildChunkService:
    def __init__(self, c: RagComponents) -> None:
        self._c = c

    async def _load(
        self, session: Any, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> tuple[DatasetRow, DocumentRow, SegmentRow]:
        dataset = await load_dataset(session, workspace_id, dataset_id)
        doc = await session.get(DocumentRow, document_id)
        if doc is None or doc.dataset_id != dataset.id:
            raise document_not_found()
        seg = await session.get(SegmentRow, segment_id)
        if seg is None or seg.document_id != doc.id:
            raise segment_not_found()
        return dataset, doc, seg

    async def _child(self, session: Any, seg: SegmentRow, child_chunk_id: str) -> ChildChunkRow:
        child = await session.get(ChildChunkRow, child_chunk_id)
        if child is None or child.segment_id != seg.id:
            raise child_chunk_not_found()
        return child

    async def _index(
        self, dataset: DatasetRow, doc: DocumentRow, seg: SegmentRow, child: ChildChunkRow
    ) -> None:
        """Embed ``child`` and write it to the store (replacing its old vector); none if the parent is off."""
        embedder = None
        if dataset.indexing_technique != "economy":
            embedder = self._c.embedders.get(dataset.embedding_model_provider, dataset.embedding_model)
        records = await chunk_records(dataset, doc, [seg], [child], embedder, self._c.limits.embed_batch)
        if records:
            await self._c.store.upsert(records)

    async def list(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        segment_id: str,
        page: int,
        limit: int,
        keyword: str,
    ) -> tuple[list[ChildChunkRow], int, int]:
        """One page of the segment's child chunks, its total and the page count."""
        async with self._c.sessions() as session:
            _, _, seg = await self._load(session, workspace_id, dataset_id, document_id, segment_id)
            query = select(ChildChunkRow).where(ChildChunkRow.segment_id == seg.id)
            if keyword:
                query = query.where(ChildChunkRow.content.contains(keyword, autoescape=True))
            total = int(
                (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
            )
            rows = (
                await session.scalars(
                    query.order_by(ChildChunkRow.position).offset((page - 1) * limit).limit(limit)
                )
            ).all()
        return list(rows), total, math.ceil(total / limit)

    async def create(
        self, workspace_id: str, user: str, dataset_id: str, document_id: str, segment_id: str, content: str
    ) -> ChildChunkRow:
        text = _content(content)
        async with self._c.sessions() as session:
            dataset, doc, seg = await self._load(session, workspace_id, dataset_id, document_id, segment_id)
            if doc.doc_form != "hierarchical_model":
                raise invalid_param("Child chunks exist only in parent-child (hierarchical_model) documents.")
            last = (
                await session.execute(
                    select(func.coalesce(func.max(ChildChunkRow.position), 0)).where(
                        ChildChunkRow.segment_id == seg.id
                    )
                )
            ).scalar_one()
            now = self._c.now()
            child = ChildChunkRow(
                id=str(uuid.uuid4()),
                dataset_id=dataset.id,
                document_id=doc.id,
                segment_id=seg.id,
                position=int(last) + 1,
                content=text,
                word_count=len(text),
                type="customized",
                created_at=now,
                updated_at=now,
            )
            await self._index(dataset, doc, seg, child)
            session.add(child)
            await session.commit()
            return child

    async def update(
        self,
        workspace_id: str,
        user: str,
        dataset_id: str,
        document_id: str,
        segment_id: str,
        child_chunk_id: str,
        content: str,
    ) -> ChildChunkRow:
        text = _content(content)
        async with self._c.sessions() as session:
            dataset, doc, seg = await self._load(session, workspace_id, dataset_id, document_id, segment_id)
            child = await self._child(session, seg, child_chunk_id)
            if text != child.content:
                child.content, child.word_count = text, len(text)
                await self._index(dataset, doc, seg, child)
            child.type, child.updated_at = "customized", self._c.now()
            await session.commit()
            return child

    async def delete(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, child_chunk_id: str
    ) -> None:
        async with self._c.sessions() as session:
            _, _, seg = await self._load(session, workspace_id, dataset_id, document_id, segment_id)
            child = await self._child(session, seg, child_chunk_id)
            await self._c.store.delete_chunks(dataset_id, [child.id])
            await session.delete(child)
            await session.commit()
