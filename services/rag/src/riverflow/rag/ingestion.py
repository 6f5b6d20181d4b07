"""The ingestion pipeline: parse → clean → split → embed → index, one document per job, idempotently.

Chunk ids are derived from (document, generation, position), and the vector store replaces a
document's chunks in one write, so a job run twice (a redelivery after a crash) leaves exactly one
copy of each chunk. The database rows follow in one transaction; until they commit, retrieval
ignores the new chunks (hits are joined with segment rows).
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from riverflow.contracts.events.v1.rag import IngestionProgress, IngestionRequested
from riverflow.rag.cleaning import clean_text
from riverflow.rag.components import RagComponents
from riverflow.rag.db import ChildChunkRow, DatasetRow, DocumentRow, SegmentRow
from riverflow.rag.indexing import chunk_records, document_rows
from riverflow.rag.keywords import extract_keywords
from riverflow.rag.parsing import ParseError, UnsupportedFileType, parse_document
from riverflow.rag.process_rules import resolve_process_rule
from riverflow.rag.splitting import SplitChunk
from sqlalchemy import delete, update

__all__ = ["IngestionPipeline", "segment_id", "child_id", "FAILPOINTS"]

logger = logging.getLogger("riverflow.rag.ingestion")
_NAMESPACE = uuid.UUID("0b6c0f4e-7f0e-4b57-9d5e-3c1f2d9a7e10")
#: Where a test may make the process exit, to prove a crash there resumes cleanly.
FAILPOINTS = ("after_store_write",)


def segment_id(document_id: str, generation: int, position: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{document_id}:{generation}:{position}"))


def child_id(parent_id: str, position: int) -> str:
    return str(uuid.uuid5(_NAMESPACE, f"{parent_id}:child:{position}"))


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


class _Permanent(Exception):
    """The document itself is the problem: retrying cannot help."""


class IngestionPipeline:
    def __init__(self, c: RagComponents, failpoint: Callable[[str], None] | None = None) -> None:
        self._c = c
        self._failpoint = failpoint or (lambda _name: None)

    async def _status(self, doc: DocumentRow, status: str, **fields: Any) -> None:
        """Persist a status change (one UPDATE, guarded by the generation) and announce it."""
        async with self._c.sessions() as session:
            result = await session.execute(
                update(DocumentRow)
                .where(DocumentRow.id == doc.id, DocumentRow.generation == doc.generation)
                .values(indexing_status=status, updated_at=self._c.now(), **fields)
            )
            await session.commit()
        if result.rowcount == 0:
            raise _Stale()
        for key, value in fields.items():
            setattr(doc, key, value)
        doc.indexing_status = status
        await self._c.progress.publish(
            IngestionProgress(
                dataset_id=doc.dataset_id,
                document_id=doc.id,
                batch=doc.batch,
                generation=doc.generation,
                indexing_status=status,
                completed_segments=doc.completed_segments,  # type: ignore[arg-type]
                total_segments=doc.total_segments,
                error=doc.error,
                at=self._c.clock(),
            )
        )

    async def run(
        self,
        job: IngestionRequested,
        heartbeat: Callable[[], Awaitable[None]] | None = None,
        final_attempt: bool = False,
    ) -> None:
        """Index ``job``'s document; transient errors propagate (redelivery) unless this is the last try."""
        async with self._c.sessions() as session:
            doc = await session.get(DocumentRow, job.document_id)
            dataset = await session.get(DatasetRow, job.dataset_id)
        if doc is None or dataset is None or doc.generation != job.generation:
            logger.info("ingestion job %s is stale or its document is gone; skipped", job.job_id)
            return
        if doc.indexing_status == "completed" and doc.indexed_generation >= job.generation:
            return  # a duplicate delivery of a job that already finished
        try:
            await self._index(job, doc, dataset, heartbeat or _no_heartbeat)
        except _Stale:
            logger.info(
                "document %s changed or was deleted during ingestion; job %s dropped", doc.id, job.job_id
            )
        except _Permanent as exc:
            await self._fail(doc, str(exc))
        except Exception as exc:
            if not final_attempt:
                raise
            logger.exception("ingestion of %s failed on its last attempt", doc.id)
            await self._fail(doc, f"{type(exc).__name__}: {exc}")

    async def _index(
        self,
        job: IngestionRequested,
        doc: DocumentRow,
        dataset: DatasetRow,
        heartbeat: Callable[[], Awaitable[None]],
    ) -> None:
        now = self._c.now
        await self._status(
            doc, "parsing", processing_started_at=doc.processing_started_at or now(), error=None
        )
        if job.mode == "reembed":
            # Same segments (ids, edits, enabled flags), new vectors.
            segments, children = await self._current_rows(doc)
            await self._status(
                doc,
                "indexing",
                parsing_completed_at=now(),
                cleaning_completed_at=now(),
                splitting_completed_at=now(),
                total_segments=len(segments),
                completed_segments=0,
            )
        else:
            chunks = await self._split(doc)
            await self._status(
                doc,
                "indexing",
                splitting_completed_at=now(),
                total_segments=len(chunks),
                completed_segments=0,
            )
            segments, children = self._rows(doc, chunks)
        embedder = None
        if dataset.indexing_technique != "economy":
            embedder = self._c.embedders.get(dataset.embedding_model_provider, dataset.embedding_model)

        async def progress(done: int) -> None:
            await heartbeat()
            await self._status(
                doc, "indexing", completed_segments=done if not children else doc.completed_segments
            )

        records = await chunk_records(
            dataset, doc, segments, children, embedder, self._c.limits.embed_batch, progress
        )
        await self._c.store.replace_document(doc.dataset_id, doc.id, records)
        self._failpoint("after_store_write")
        await self._commit(doc, segments, children, replace_rows=job.mode != "reembed")

    async def _split(self, doc: DocumentRow) -> list[SplitChunk]:
        now = self._c.now
        data = await self._c.uploads.get(doc.id)
        if data is None:
            raise _Permanent("the uploaded file is no longer available")
        filename = str(doc.data_source_info.get("name") or "document.txt")
        try:
            text = parse_document(data, filename)
        except (ParseError, UnsupportedFileType) as exc:
            raise _Permanent(str(exc)) from exc
        _, rule = resolve_process_rule(doc.process_rule, doc.doc_form)
        await self._status(doc, "cleaning", parsing_completed_at=now())
        text = clean_text(text, rule.cleaning)
        await self._status(doc, "splitting", cleaning_completed_at=now())
        if rule.child is not None:
            chunks = self._c.chunker.parent_child(text, rule.segmentation, rule.child, rule.parent_mode)
        else:
            chunks = self._c.chunker.general(text, rule.segmentation)
        if not chunks:
            raise _Permanent("the document has no text to index after cleaning")
        return chunks

    async def _current_rows(self, doc: DocumentRow) -> tuple[list[SegmentRow], list[ChildChunkRow]]:
        async with self._c.sessions() as session:
            return await document_rows(session, doc.id)

    def _rows(
        self, doc: DocumentRow, chunks: list[SplitChunk]
    ) -> tuple[list[SegmentRow], list[ChildChunkRow]]:
        now = self._c.now()
        segments, children = [], []
        for position, chunk in enumerate(chunks, start=1):
            sid = segment_id(doc.id, doc.generation, position)
            segments.append(
                SegmentRow(
                    id=sid,
                    dataset_id=doc.dataset_id,
                    document_id=doc.id,
                    position=position,
                    content=chunk.content,
                    keywords=extract_keywords(chunk.content),
                    word_count=len(chunk.content),
                    tokens=chunk.tokens,
                    index_node_id=sid,
                    index_node_hash=content_hash(chunk.content),
                    status="completed",
                    created_by=doc.created_by,
                    created_at=now,
                    updated_at=now,
                    completed_at=now,
                )
            )
            for cpos, child in enumerate(chunk.children, start=1):
                children.append(
                    ChildChunkRow(
                        id=child_id(sid, cpos),
                        dataset_id=doc.dataset_id,
                        document_id=doc.id,
                        segment_id=sid,
                        position=cpos,
                        content=child.content,
                        word_count=len(child.content),
                        created_at=now,
                        updated_at=now,
                    )
                )
        return segments, children

    async def _commit(
        self, doc: DocumentRow, segments: list[SegmentRow], children: list[ChildChunkRow], replace_rows: bool
    ) -> None:
        async with self._c.sessions() as session:
            row = await session.get(DocumentRow, doc.id)
            if row is None or row.generation != doc.generation:
                if row is None:  # deleted while we indexed: take our chunks back out
                    await self._c.store.delete_document(doc.dataset_id, doc.id)
                raise _Stale()
            if replace_rows:
                await session.execute(delete(ChildChunkRow).where(ChildChunkRow.document_id == doc.id))
                await session.execute(delete(SegmentRow).where(SegmentRow.document_id == doc.id))
                session.add_all(segments)
                session.add_all(children)
            now = self._c.now()
            row.indexing_status, row.completed_at, row.updated_at, row.error = "completed", now, now, None
            row.completed_segments = row.total_segments = len(segments)
            row.word_count = sum(s.word_count for s in segments)
            row.tokens = sum(s.tokens for s in segments)
            row.indexed_generation = doc.generation
            await session.commit()
        doc.completed_segments = doc.total_segments = len(segments)
        doc.indexing_status = "completed"
        await self._c.progress.publish(
            IngestionProgress(
                dataset_id=doc.dataset_id,
                document_id=doc.id,
                batch=doc.batch,
                generation=doc.generation,
                indexing_status="completed",
                completed_segments=len(segments),
                total_segments=len(segments),
                at=self._c.clock(),
            )
        )

    async def _fail(self, doc: DocumentRow, message: str) -> None:
        """Leave no half-indexed document: its chunks and segment rows go, the error stays."""
        await self._c.store.delete_document(doc.dataset_id, doc.id)
        async with self._c.sessions() as session:
            await session.execute(delete(ChildChunkRow).where(ChildChunkRow.document_id == doc.id))
            await session.execute(delete(SegmentRow).where(SegmentRow.document_id == doc.id))
            await session.commit()
        try:
            await self._status(doc, "error", error=message, stopped_at=self._c.now(), completed_segments=0)
        except _Stale:
            pass


class _Stale(Exception):
    """The document was deleted or re-queued (newer generation) while this job ran."""


async def _no_heartbeat() -> None:
    return None
