"""Changing existing documents: re-ingestion in place (update by text or file) and the batch status
actions (enable, disable, archive, un_archive).

A re-ingestion keeps the document's id and gives it a new batch and generation: the ingestion
pipeline then writes the new chunks with ids of the new generation and swaps them in atomically
(one vector-store write, one transaction for the rows), so neither duplicates nor a mix remain.
"""

from __future__ import annotations

from typing import Any

from riverflow.contracts.events.v1.rag import IngestionRequested
from riverflow.rag.components import RagComponents
from riverflow.rag.datasets import load_dataset
from riverflow.rag.db import DocumentRow
from riverflow.rag.documents import check_upload, display_status, document_not_found, new_batch
from riverflow.rag.errors import KnowledgeError, invalid_param
from riverflow.rag.parsing import extension_of
from riverflow.rag.process_rules import resolve_process_rule
from sqlalchemy import select

__all__ = ["DocumentUpdates", "STATUS_ACTIONS"]

STATUS_ACTIONS = ("enable", "disable", "archive", "un_archive")
#: What a re-ingestion resets (the timestamps and counts of the previous indexing).
_RESET = {
    "indexing_status": "waiting",
    "error": None,
    "processing_started_at": None,
    "parsing_completed_at": None,
    "cleaning_completed_at": None,
    "splitting_completed_at": None,
    "completed_at": None,
    "stopped_at": None,
    "paused_at": None,
    "completed_segments": 0,
    "total_segments": 0,
}


def _invalid_action(message: str) -> KnowledgeError:
    return KnowledgeError("invalid_action", message, 400)


class DocumentUpdates:
    def __init__(self, c: RagComponents) -> None:
        self._c = c

    async def reingest(
        self,
        workspace_id: str,
        user: str,
        dataset_id: str,
        document_id: str,
        *,
        name: str | None,
        content: bytes | None,
        filename: str = "",
        mime_type: str = "",
        settings: dict[str, Any],
        from_text: bool,
    ) -> tuple[DocumentRow, str]:
        """Rename and/or re-index a document; returns it and the batch to poll.

        Only a name change needs no indexing (the document keeps its batch). New content or a new
        process rule re-ingests the document asynchronously; retrieval skips it until it completes.
        """
        if name is not None and not 1 <= len(name.strip()) <= 255:
            raise invalid_param("name must be 1 to 255 characters")
        if content is not None:
            check_upload(self._c, content, filename, from_text)
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            doc = await session.get(DocumentRow, document_id)
            if doc is None or doc.dataset_id != dataset.id:
                raise document_not_found()
            if display_status(doc) not in ("available", "error"):
                raise invalid_param(
                    f"Document is not available for update (it is {display_status(doc)}); "
                    "only available documents can be updated."
                )
            rule = settings.get("process_rule")
            if rule is not None:
                stored_rule, resolved = resolve_process_rule(rule, doc.doc_form)
                if resolved.doc_form != doc.doc_form:
                    raise invalid_param(f"doc_form must stay the document's ({doc.doc_form!r})")
            before = {key: getattr(doc, key) for key in ("name", "data_source_info", "process_rule")}
            if name is not None:
                doc.name = name.strip()
            doc.updated_at = self._c.now()
            if content is None and rule is None:
                await session.commit()
                return doc, doc.batch
            previous = {key: getattr(doc, key) for key in (*_RESET, "generation", "batch")}
            old_bytes = await self._c.uploads.get(doc.id) if content is not None else None
            if content is not None:
                doc.data_source_info = {
                    **doc.data_source_info,
                    "name": filename,
                    "extension": extension_of(filename) or "txt",
                    "mime_type": mime_type or ("text/plain" if from_text else ""),
                    "size": len(content),
                }
                if name is None and not from_text:
                    doc.name = filename
                await self._c.uploads.put(doc.id, content)
            if rule is not None:
                doc.process_rule = stored_rule
            for key, value in _RESET.items():
                setattr(doc, key, value)
            doc.generation += 1
            doc.batch = new_batch()
            await session.commit()
        job = IngestionRequested(
            job_id=f"{doc.id}:{doc.generation}",
            dataset_id=dataset_id,
            document_id=doc.id,
            batch=doc.batch,
            generation=doc.generation,
            at=self._c.clock(),
        )
        try:
            await self._c.queue.submit(job)
        except Exception as exc:
            await self._undo(doc.id, {**before, **previous}, old_bytes)
            raise KnowledgeError(
                "internal_server_error", f"could not queue the document: {exc}", 503
            ) from exc
        return doc, doc.batch

    async def _undo(self, document_id: str, fields: dict[str, Any], old_bytes: bytes | None) -> None:
        """No partial state: without its job the document would wait forever."""
        async with self._c.sessions() as session:
            row = await session.get(DocumentRow, document_id)
            if row is not None:
                for key, value in fields.items():
                    setattr(row, key, value)
                await session.commit()
        if old_bytes is not None:
            await self._c.uploads.put(document_id, old_bytes)

    async def set_status(
        self, workspace_id: str, user: str, dataset_id: str, action: str, document_ids: list[str]
    ) -> None:
        """Apply ``action`` to every listed document of the dataset, or to none (unknown ids are skipped,
        as Dify does)."""
        if action not in STATUS_ACTIONS:
            raise _invalid_action(f"Invalid action: {action!r}; use one of {list(STATUS_ACTIONS)}.")
        if not document_ids:
            raise invalid_param("document_ids must not be empty")
        async with self._c.sessions() as session:
            await load_dataset(session, workspace_id, dataset_id)
            docs = (
                await session.scalars(
                    select(DocumentRow).where(
                        DocumentRow.dataset_id == dataset_id, DocumentRow.id.in_(set(document_ids))
                    )
                )
            ).all()
            now = self._c.now()
            for doc in docs:
                if action in ("enable", "disable") and doc.indexing_status != "completed":
                    raise _invalid_action(
                        f"Document {doc.id} is not completed (it is {doc.indexing_status})."
                    )
                if action == "enable" and doc.archived:
                    raise _invalid_action(f"Document {doc.id} is archived; un_archive it first.")
                if action == "enable":
                    doc.enabled, doc.disabled_at, doc.disabled_by = True, None, None
                elif action == "disable" and doc.enabled:
                    doc.enabled, doc.disabled_at, doc.disabled_by = False, now, user
                elif action in ("archive", "un_archive"):
                    doc.archived = action == "archive"
                doc.updated_at = now
            await session.commit()
