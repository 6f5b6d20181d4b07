"""Segments (or their child chunks) to ``ChunkRecord``s: the texts the store indexes, embedded in batches."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from riverflow.rag.db import ChildChunkRow, DatasetRow, DocumentRow, SegmentRow
from riverflow.rag.keywords import extract_keywords
from riverflow.rag.ports import ChunkRecord, Embedder
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

__all__ = ["chunk_records", "document_rows", "record_metadata", "ECONOMY_VECTOR"]

#: Economy datasets have a keyword index only; their chunks carry this placeholder vector.
ECONOMY_VECTOR = (1.0,)


async def document_rows(
    session: AsyncSession, document_id: str
) -> tuple[list[SegmentRow], list[ChildChunkRow]]:
    """A document's segments and child chunks, in position order: what ``chunk_records`` indexes."""
    segments = await session.scalars(
        select(SegmentRow).where(SegmentRow.document_id == document_id).order_by(SegmentRow.position)
    )
    children = await session.scalars(
        select(ChildChunkRow).where(ChildChunkRow.document_id == document_id).order_by(ChildChunkRow.position)
    )
    return list(segments.all()), list(children.all())


def record_metadata(doc: DocumentRow) -> dict[str, Any]:
    """What metadata filters see: Dify's built-in fields, then the document's own metadata."""
    flat = {k: v for k, v in (doc.doc_metadata or {}).items() if isinstance(v, str | int | float | bool)}
    return {
        "document_name": doc.name,
        "uploader": doc.created_by,
        "upload_date": doc.created_at,
        "last_update_date": doc.updated_at,
        "source": doc.data_source_type,
        **flat,
    }


async def chunk_records(
    dataset: DatasetRow,
    doc: DocumentRow,
    segments: Sequence[SegmentRow],
    children: Sequence[ChildChunkRow],
    embedder: Embedder | None,
    batch_size: int,
    progress: Callable[[int], Awaitable[None]] | None = None,
) -> list[ChunkRecord]:
    """One record per enabled segment, or per child chunk of an enabled segment (hierarchical documents)."""
    metadata = record_metadata(doc)
    enabled = {s.id: s for s in segments if s.enabled}
    units: list[tuple[str, str, str, tuple[str, ...]]] = []  # (id, segment id, text, keywords)
    if children:
        for k in children:
            if k.segment_id in enabled:
                units.append((k.id, k.segment_id, k.content, tuple(extract_keywords(k.content))))
    else:
        for s in enabled.values():
            units.append((s.id, s.id, s.content, tuple(s.keywords or ())))
    vectors: list[Sequence[float]] = []
    for start in range(0, len(units), batch_size):
        texts = [u[2] for u in units[start : start + batch_size]]
        vectors.extend(
            await embedder.embed_documents(texts) if embedder is not None else [ECONOMY_VECTOR] * len(texts)
        )
        if progress is not None:
            await progress(min(start + batch_size, len(units)))
    return [
        ChunkRecord(uid, dataset.id, doc.id, sid, text, vector, keywords, metadata)
        for (uid, sid, text, keywords), vector in zip(units, vectors, strict=True)
    ]
