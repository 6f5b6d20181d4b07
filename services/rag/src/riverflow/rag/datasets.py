"""Dataset use cases: create, list, get, update (re-indexing on an embedding change), delete."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from riverflow.contracts.events.v1.rag import IngestionRequested
from riverflow.rag.components import RagComponents
from riverflow.rag.db import DatasetRow, DocumentRow, MetadataFieldRow, TagBindingRow, TagRow
from riverflow.rag.embedding.registry import UnknownEmbeddingModel
from riverflow.rag.errors import KnowledgeError, invalid_param
from riverflow.rag.retrieval_model import DEFAULT_RETRIEVAL_MODEL, parse_retrieval_model
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

__all__ = ["DatasetView", "DatasetService", "dataset_not_found", "load_dataset"]

_TECHNIQUES = ("high_quality", "economy")
_PERMISSIONS = ("only_me", "all_team_members", "partial_members")


def dataset_not_found() -> KnowledgeError:
    return KnowledgeError("not_found", "Dataset not found.", 404)


@dataclass(frozen=True)
class DatasetView:
    row: DatasetRow
    document_count: int
    word_count: int
    available_documents: int
    tags: list[TagRow] = field(default_factory=list)
    fields: list[MetadataFieldRow] = field(default_factory=list)


async def load_dataset(session: Any, workspace_id: str, dataset_id: str) -> DatasetRow:
    row = await session.get(DatasetRow, dataset_id)
    if row is None or (workspace_id and row.workspace_id != workspace_id):
        raise dataset_not_found()
    return row


class DatasetService:
    def __init__(self, c: RagComponents) -> None:
        self._c = c

    def _check_fields(self, fields: dict[str, Any]) -> None:
        name = fields.get("name")
        if name is not None and not 1 <= len(name.strip()) <= 40:
            raise invalid_param("name must be 1 to 40 characters")
        if len(fields.get("description") or "") > 400:
            raise invalid_param("description must be at most 400 characters")
        if fields.get("indexing_technique") not in (None, "", *_TECHNIQUES):
            raise invalid_param(f"indexing_technique must be one of {list(_TECHNIQUES)}")
        if fields.get("permission") not in (None, "", *_PERMISSIONS):
            raise invalid_param(f"permission must be one of {list(_PERMISSIONS)}")
        if fields.get("provider") not in (None, "", "vendor"):
            raise invalid_param("only provider 'vendor' is supported (external knowledge APIs are not)")
        if fields.get("embedding_model") or fields.get("embedding_model_provider"):
            try:
                self._c.embedders.check(
                    fields.get("embedding_model_provider") or self._c.default_embedding_provider,
                    fields.get("embedding_model") or "",
                )
            except UnknownEmbeddingModel as exc:
                raise invalid_param(str(exc)) from None
        if fields.get("retrieval_model") is not None:
            parse_retrieval_model(fields["retrieval_model"])

    async def _view(self, session: Any, row: DatasetRow) -> DatasetView:
        docs, words, available = (
            await session.execute(
                select(
                    func.count(DocumentRow.id),
                    func.coalesce(func.sum(DocumentRow.word_count), 0),
                    func.count(DocumentRow.id).filter(
                        DocumentRow.indexing_status == "completed", DocumentRow.enabled, ~DocumentRow.archived
                    ),
                ).where(DocumentRow.dataset_id == row.id)
            )
        ).one()
        tags = (
            await session.scalars(
                select(TagRow)
                .join(TagBindingRow, TagBindingRow.tag_id == TagRow.id)
                .where(TagBindingRow.dataset_id == row.id)
                .order_by(TagRow.name)
            )
        ).all()
        fields = (
            await session.scalars(
                select(MetadataFieldRow)
                .where(MetadataFieldRow.dataset_id == row.id)
                .order_by(MetadataFieldRow.created_at, MetadataFieldRow.name)
            )
        ).all()
        return DatasetView(row, int(docs), int(words), int(available), list(tags), list(fields))

    async def create(self, workspace_id: str, user: str, fields: dict[str, Any]) -> DatasetView:
        self._check_fields(fields)
        if not (fields.get("name") or "").strip():
            raise invalid_param("name is required")
        now = self._c.now()
        row = DatasetRow(
            id=str(uuid.uuid4()),
            workspace_id=workspace_id,
            name=fields["name"].strip(),
            description=fields.get("description") or "",
            provider="vendor",
            permission=fields.get("permission") or "only_me",
            indexing_technique=fields.get("indexing_technique") or "",
            embedding_model=fields.get("embedding_model") or self._c.default_embedding_model,
            embedding_model_provider=fields.get("embedding_model_provider")
            or self._c.default_embedding_provider,
            retrieval_model={**DEFAULT_RETRIEVAL_MODEL, **(fields.get("retrieval_model") or {})},
            created_by=user,
            created_at=now,
            updated_by=user,
            updated_at=now,
        )
        async with self._c.sessions() as session:
            session.add(row)
            try:
                await session.commit()
            except IntegrityError:
                raise KnowledgeError(
                    "dataset_name_duplicate",
                    "The dataset name already exists. Please modify your dataset name.",
                    409,
                ) from None
            return DatasetView(row, 0, 0, 0)

    async def list(
        self, workspace_id: str, page: int, limit: int, keyword: str, tag_ids: list[str] | None = None
    ) -> tuple[list[DatasetView], int]:
        """A page of the workspace's datasets; with ``tag_ids``, those bound to any of them (as Dify)."""
        query = select(DatasetRow).where(DatasetRow.workspace_id == workspace_id)
        if keyword:
            query = query.where(DatasetRow.name.contains(keyword, autoescape=True))
        if tag_ids:
            query = query.where(
                DatasetRow.id.in_(
                    select(TagBindingRow.dataset_id).where(TagBindingRow.tag_id.in_(set(tag_ids)))
                )
            )
        async with self._c.sessions() as session:
            total = (await session.execute(select(func.count()).select_from(query.subquery()))).scalar_one()
            rows = (
                await session.scalars(
                    query.order_by(DatasetRow.created_at.desc(), DatasetRow.id)
                    .offset((page - 1) * limit)
                    .limit(limit)
                )
            ).all()
            return [await self._view(session, r) for r in rows], int(total)

    async def get(self, workspace_id: str, dataset_id: str) -> DatasetView:
        async with self._c.sessions() as session:
            return await self._view(session, await load_dataset(session, workspace_id, dataset_id))

    async def update(
        self, workspace_id: str, user: str, dataset_id: str, changes: dict[str, Any]
    ) -> DatasetView:
        self._check_fields(changes)
        if "name" in changes and not (changes["name"] or "").strip():
            raise invalid_param("name must not be empty")
        jobs: list[IngestionRequested] = []
        async with self._c.sessions() as session:
            row = await load_dataset(session, workspace_id, dataset_id)
            old_embedding = (row.embedding_model_provider, row.embedding_model)
            for key in ("name", "description", "indexing_technique", "permission"):
                if key in changes and changes[key] is not None:
                    setattr(row, key, changes[key].strip() if key == "name" else changes[key])
            if changes.get("embedding_model"):
                row.embedding_model = changes["embedding_model"]
                row.embedding_model_provider = (
                    changes.get("embedding_model_provider") or row.embedding_model_provider
                )
            if changes.get("retrieval_model") is not None:
                row.retrieval_model = {**row.retrieval_model, **changes["retrieval_model"]}
            row.updated_by, row.updated_at = user, self._c.now()
            if (row.embedding_model_provider, row.embedding_model) != old_embedding:
                jobs = await self._reembed_all(session, row)
            try:
                await session.commit()
            except IntegrityError:
                raise KnowledgeError(
                    "dataset_name_duplicate", "The dataset name already exists.", 409
                ) from None
            view = await self._view(session, row)
        for job in jobs:
            await self._c.queue.submit(job)
        return view

    async def _reembed_all(self, session: Any, row: DatasetRow) -> list[IngestionRequested]:
        """The embedding model changed: every document is embedded again from its segments."""
        docs = (await session.scalars(select(DocumentRow).where(DocumentRow.dataset_id == row.id))).all()
        jobs = []
        for doc in docs:
            doc.generation += 1
            doc.indexing_status, doc.error, doc.completed_at = "waiting", None, None
            mode = "reembed" if doc.indexed_generation else "ingest"
            jobs.append(
                IngestionRequested(
                    job_id=f"{doc.id}:{doc.generation}",
                    dataset_id=row.id,
                    document_id=doc.id,
                    batch=doc.batch,
                    generation=doc.generation,
                    mode=mode,
                    at=self._c.clock(),
                )
            )
        return jobs

    async def delete(self, workspace_id: str, dataset_id: str) -> None:
        async with self._c.sessions() as session:
            row = await load_dataset(session, workspace_id, dataset_id)
            doc_ids = (
                await session.scalars(select(DocumentRow.id).where(DocumentRow.dataset_id == row.id))
            ).all()
            # Documents, segments and chunks go with it (ON DELETE CASCADE); pending ingestion jobs
            # find their document gone and do nothing.
            await session.delete(row)
            await session.commit()
        await self._c.store.delete_dataset(dataset_id)
        for doc_id in doc_ids:
            await self._c.uploads.delete(doc_id)
