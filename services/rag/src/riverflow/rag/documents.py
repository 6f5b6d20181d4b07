"""Document use cases: create by text or file (queued for ingestion), list, get, delete, indexing status."""

from __future__ import annotations

import secrets
import time
import uuid
from typing import Any

from riverflow.contracts.events.v1.rag import IngestionRequested
from riverflow.rag.components import RagComponents
from riverflow.rag.datasets import load_dataset
from riverflow.rag.db import DatasetRow, DocumentRow
from riverflow.rag.embedding.registry import UnknownEmbeddingModel
from riverflow.rag.errors import KnowledgeError, invalid_param
from riverflow.rag.parsing import SUPPORTED_EXTENSIONS, extension_of
from riverflow.rag.process_rules import resolve_process_rule
from riverflow.rag.retrieval_model import parse_retrieval_model
from sqlalchemy import func, select

__all__ = [
    "DocumentService",
    "display_status",
    "document_not_found",
    "check_upload",
    "new_batch",
    "DISPLAY_STATUSES",
]

DISPLAY_STATUSES = ("queuing", "indexing", "paused", "error", "available", "disabled", "archived")


def document_not_found() -> KnowledgeError:
    return KnowledgeError("not_found", "Document not found.", 404)


def display_status(doc: DocumentRow) -> str:
    """Dify's list status, derived from the indexing status and the flags."""
    status = doc.indexing_status
    if status == "waiting":
        return "queuing"
    if status in ("parsing", "cleaning", "splitting", "indexing"):
        return "indexing"
    if status in ("paused", "error"):
        return status
    if doc.archived:
        return "archived"
    return "available" if doc.enabled else "disabled"


def new_batch() -> str:
    # Dify's shape: a timestamp then random digits.
    return time.strftime("%Y%m%d%H%M%S") + f"{secrets.randbelow(10**6):06d}"


def check_upload(c: RagComponents, content: bytes, filename: str, from_text: bool) -> None:
    """Refuse empty text, unsupported or empty files and files over the size limit."""
    if from_text and not content.strip():
        raise invalid_param("text is required")
    if not from_text:
        if extension_of(filename) not in SUPPORTED_EXTENSIONS:
            raise KnowledgeError("unsupported_file_type", "File type not allowed.", 415)
        if not content:
            raise invalid_param("the file is empty")
    if len(content) > c.limits.max_upload_bytes:
        limit_mb = c.limits.max_upload_bytes / (1024 * 1024)
        raise KnowledgeError("file_too_large", f"File size exceeded. The limit is {limit_mb:g} MB.", 413)


class DocumentService:
    def __init__(self, c: RagComponents) -> None:
        self._c = c

    async def create(
        self,
        workspace_id: str,
        user: str,
        dataset_id: str,
        *,
        name: str,
        content: bytes,
        filename: str,
        mime_type: str,
        settings: dict[str, Any],
        from_text: bool,
    ) -> tuple[DocumentRow, str]:
        """Store the upload, record the document as waiting, queue its ingestion; return it and its batch."""
        if not name.strip():
            raise invalid_param("name is required")
        if len(name) > 255:
            raise invalid_param("name must be at most 255 characters")
        check_upload(self._c, content, filename, from_text)
        if settings.get("retrieval_model") is not None:
            parse_retrieval_model(settings["retrieval_model"])
        doc_id, now, batch = str(uuid.uuid4()), self._c.now(), new_batch()
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            technique = settings.get("indexing_technique") or dataset.indexing_technique
            if not technique:
                raise invalid_param("indexing_technique is required.")
            if technique not in ("high_quality", "economy"):
                raise invalid_param("indexing_technique must be 'high_quality' or 'economy'")
            doc_form = settings.get("doc_form") or dataset.doc_form or ""
            stored_rule, resolved = resolve_process_rule(settings.get("process_rule"), doc_form)
            if dataset.doc_form and resolved.doc_form != dataset.doc_form:
                raise invalid_param(f"doc_form must be the dataset's ({dataset.doc_form!r})")
            position = (
                await session.execute(
                    select(func.coalesce(func.max(DocumentRow.position), 0)).where(
                        DocumentRow.dataset_id == dataset.id
                    )
                )
            ).scalar_one() + 1
            if position == 1:
                self._first_document_settings(dataset, technique, resolved.doc_form, settings)
            info = {
                "upload_file_id": doc_id,
                "name": filename,
                "extension": extension_of(filename) or "txt",
                "mime_type": mime_type or ("text/plain" if from_text else ""),
                "size": len(content),
            }
            doc = DocumentRow(
                id=doc_id,
                dataset_id=dataset.id,
                position=position,
                name=name.strip(),
                batch=batch,
                data_source_type="upload_file",
                data_source_info=info,
                process_rule=stored_rule,
                doc_form=resolved.doc_form,
                doc_language=settings.get("doc_language") or "English",
                doc_metadata=dict(settings.get("doc_metadata") or {}),
                indexing_status="waiting",
                created_by=user,
                created_at=now,
                updated_at=now,
                generation=1,
            )
            # The bytes first: a job must never find its document without them.
            await self._c.uploads.put(doc_id, content)
            session.add(doc)
            await session.commit()
        job = IngestionRequested(
            job_id=f"{doc_id}:1",
            dataset_id=dataset_id,
            document_id=doc_id,
            batch=batch,
            generation=1,
            at=self._c.clock(),
        )
        try:
            await self._c.queue.submit(job)
        except Exception as exc:
            # No partial state: without its job the document would wait forever.
            async with self._c.sessions() as session:
                row = await session.get(DocumentRow, doc_id)
                if row is not None:
                    await session.delete(row)
                    await session.commit()
            await self._c.uploads.delete(doc_id)
            raise KnowledgeError(
                "internal_server_error", f"could not queue the document: {exc}", 503
            ) from exc
        return doc, batch

    def _first_document_settings(
        self, dataset: DatasetRow, technique: str, doc_form: str, settings: dict[str, Any]
    ) -> None:
        """The first document fixes the dataset's indexing technique, doc form and embedding model.

        As in Dify, later documents inherit them.
        """
        dataset.indexing_technique = dataset.indexing_technique or technique
        dataset.doc_form = dataset.doc_form or doc_form
        model, provider = settings.get("embedding_model"), settings.get("embedding_model_provider")
        if model and (provider or dataset.embedding_model_provider, model) != (
            dataset.embedding_model_provider,
            dataset.embedding_model,
        ):
            try:
                self._c.embedders.check(provider or dataset.embedding_model_provider, model)
            except UnknownEmbeddingModel as exc:
                raise invalid_param(str(exc)) from None
            dataset.embedding_model, dataset.embedding_model_provider = (
                model,
                provider or dataset.embedding_model_provider,
            )
        if settings.get("retrieval_model") is not None:
            dataset.retrieval_model = {**dataset.retrieval_model, **settings["retrieval_model"]}

    async def list(
        self, workspace_id: str, dataset_id: str, page: int, limit: int, keyword: str, status: str
    ) -> tuple[list[DocumentRow], int]:
        if status and status not in DISPLAY_STATUSES:
            raise invalid_param(f"status must be one of {list(DISPLAY_STATUSES)}")
        async with self._c.sessions() as session:
            await load_dataset(session, workspace_id, dataset_id)
            query = select(DocumentRow).where(DocumentRow.dataset_id == dataset_id)
            if keyword:
                query = query.where(DocumentRow.name.contains(keyword, autoescape=True))
            rows = (await session.scalars(query.order_by(DocumentRow.position.desc()))).all()
        if status:
            rows = [r for r in rows if display_status(r) == status]
        return list(rows[(page - 1) * limit : page * limit]), len(rows)

    async def get(self, workspace_id: str, dataset_id: str, document_id: str) -> DocumentRow:
        async with self._c.sessions() as session:
            await load_dataset(session, workspace_id, dataset_id)
            doc = await session.get(DocumentRow, document_id)
            if doc is None or doc.dataset_id != dataset_id:
                raise document_not_found()
            return doc

    async def delete(self, workspace_id: str, dataset_id: str, document_id: str) -> None:
        async with self._c.sessions() as session:
            await load_dataset(session, workspace_id, dataset_id)
            doc = await session.get(DocumentRow, document_id)
            if doc is None or doc.dataset_id != dataset_id:
                raise document_not_found()
            await session.delete(doc)
            await session.commit()
        # After the rows: a concurrent ingestion that finishes now finds no document and cleans up too.
        await self._c.store.delete_document(dataset_id, document_id)
        await self._c.uploads.delete(document_id)

    async def indexing_status(self, workspace_id: str, dataset_id: str, batch: str) -> list[DocumentRow]:
        async with self._c.sessions() as session:
            await load_dataset(session, workspace_id, dataset_id)
            rows = (
                await session.scalars(
                    select(DocumentRow)
                    .where(DocumentRow.dataset_id == dataset_id, DocumentRow.batch == batch)
                    .order_by(DocumentRow.position)
                )
            ).all()
        if not rows:
            raise KnowledgeError("not_found", "Documents not found.", 404)
        return list(rows)
