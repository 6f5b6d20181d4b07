"""Dataset metadata fields and document metadata values (what retrieval's metadata filters test).

Documents keep their values by field name in ``doc_metadata``; the vector store keeps a copy in each
chunk's metadata (see ``indexing.record_metadata``). So every change to values or names re-writes the
affected documents' chunks (the same texts, embedded again, swapped in atomically).
"""

from __future__ import annotations

import uuid
from typing import Any

from riverflow.rag.components import RagComponents
from riverflow.rag.datasets import load_dataset
from riverflow.rag.db import DatasetRow, DocumentRow, MetadataFieldRow
from riverflow.rag.errors import KnowledgeError, invalid_param
from riverflow.rag.filters import Condition
from riverflow.rag.indexing import chunk_records, document_rows
from sqlalchemy import select

__all__ = ["MetadataService", "BUILT_IN_FIELDS", "document_metadata_items"]

#: Dify's built-in fields and their types; always in chunk metadata, shown on documents when enabled.
BUILT_IN_FIELDS = {
    "document_name": "string",
    "uploader": "string",
    "upload_date": "time",
    "last_update_date": "time",
    "source": "string",
}
_TYPES = ("string", "number", "time")


def _field_not_found() -> KnowledgeError:
    return KnowledgeError("not_found", "Metadata field not found.", 404)


def _check_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise invalid_param("name is required")
    if name in BUILT_IN_FIELDS:
        raise invalid_param(f"{name!r} is a built-in metadata field.")
    try:
        Condition(name, "empty")  # the names filters accept (they become JSON paths and property names)
    except ValueError:
        raise invalid_param(
            "Metadata names use letters, digits and _ (at most 64, not starting with a digit)."
        ) from None
    return name


def _value(field: MetadataFieldRow, value: Any) -> Any:
    """A value of the field's type: numbers and times (Unix seconds) as numbers, the rest as text."""
    if value is None or value == "":
        return None
    if field.type == "string":
        return str(value)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise invalid_param(f"{field.name!r} is a {field.type} field; {value!r} is not a number.") from None
    return int(number) if field.type == "time" or number.is_integer() else number


def document_metadata_items(
    doc: DocumentRow, fields: list[MetadataFieldRow], built_in: bool
) -> list[dict[str, Any]]:
    """Dify's Document ``doc_metadata`` list: the dataset fields this document has a value for."""
    values = doc.doc_metadata or {}
    items = [
        {"id": f.id, "name": f.name, "type": f.type, "value": values[f.name]}
        for f in fields
        if values.get(f.name) is not None
    ]
    if built_in:
        builtin = {
            "document_name": doc.name,
            "uploader": doc.created_by,
            "upload_date": doc.created_at,
            "last_update_date": doc.updated_at,
            "source": doc.data_source_type,
        }
        items += [
            {"id": "built-in", "name": n, "type": BUILT_IN_FIELDS[n], "value": v} for n, v in builtin.items()
        ]
    return items


class MetadataService:
    def __init__(self, c: RagComponents) -> None:
        self._c = c

    async def fields(
        self, workspace_id: str, dataset_id: str
    ) -> tuple[list[tuple[MetadataFieldRow, int]], bool]:
        """The dataset's fields with how many documents use each, and the built-in switch."""
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            fields = await self._fields(session, dataset.id)
            docs = (
                await session.scalars(
                    select(DocumentRow.doc_metadata).where(DocumentRow.dataset_id == dataset.id)
                )
            ).all()
        counts = [(f, sum(1 for d in docs if (d or {}).get(f.name) is not None)) for f in fields]
        return counts, dataset.built_in_field_enabled

    async def _fields(self, session: Any, dataset_id: str) -> list[MetadataFieldRow]:
        query = select(MetadataFieldRow).where(MetadataFieldRow.dataset_id == dataset_id)
        return list(
            (await session.scalars(query.order_by(MetadataFieldRow.created_at, MetadataFieldRow.name))).all()
        )

    async def create(
        self, workspace_id: str, user: str, dataset_id: str, type_: str, name: str
    ) -> MetadataFieldRow:
        name = _check_name(name)
        if type_ not in _TYPES:
            raise invalid_param(f"type must be one of {list(_TYPES)}")
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            if any(f.name == name for f in await self._fields(session, dataset.id)):
                raise invalid_param("Metadata name already exists.")
            now = self._c.now()
            row = MetadataFieldRow(
                id=str(uuid.uuid4()),
                dataset_id=dataset.id,
                name=name,
                type=type_,
                created_by=user,
                created_at=now,
                updated_at=now,
            )
            session.add(row)
            await session.commit()
            return row

    async def rename(
        self, workspace_id: str, user: str, dataset_id: str, metadata_id: str, name: str
    ) -> tuple[MetadataFieldRow, int]:
        name = _check_name(name)
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            fields = await self._fields(session, dataset.id)
            row = next((f for f in fields if f.id == metadata_id), None)
            if row is None:
                raise _field_not_found()
            if any(f.name == name and f.id != row.id for f in fields):
                raise invalid_param("Metadata name already exists.")
            old, row.name, row.updated_at = row.name, name, self._c.now()
            changed = await self._rewrite(session, dataset, lambda values: _renamed(values, old, name))
            await session.commit()
        await self._reindex(dataset, changed)
        return row, len(changed)

    async def delete(self, workspace_id: str, dataset_id: str, metadata_id: str) -> None:
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            row = await session.get(MetadataFieldRow, metadata_id)
            if row is None or row.dataset_id != dataset.id:
                raise _field_not_found()
            changed = await self._rewrite(
                session, dataset, lambda values: {k: v for k, v in values.items() if k != row.name}
            )
            await session.delete(row)
            await session.commit()
        await self._reindex(dataset, changed)

    async def set_built_in(self, workspace_id: str, user: str, dataset_id: str, enabled: bool) -> None:
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            dataset.built_in_field_enabled = enabled
            dataset.updated_by, dataset.updated_at = user, self._c.now()
            await session.commit()

    async def set_values(
        self, workspace_id: str, user: str, dataset_id: str, operations: list[dict[str, Any]]
    ) -> None:
        """Replace each listed document's values (all checked first: an unknown document or field, or a
        value of the wrong type, changes nothing)."""
        if not operations:
            raise invalid_param("operation_data must not be empty")
        async with self._c.sessions() as session:
            dataset = await load_dataset(session, workspace_id, dataset_id)
            fields = {f.id: f for f in await self._fields(session, dataset.id)}
            planned: list[tuple[DocumentRow, dict[str, Any]]] = []
            for op in operations:
                doc = await session.get(DocumentRow, op.get("document_id") or "")
                if doc is None or doc.dataset_id != dataset.id:
                    raise invalid_param(f"Document {op.get('document_id')!r} not found.")
                if doc.indexing_status not in ("completed", "error"):
                    raise invalid_param(
                        f"Document {doc.id} is being indexed; set its metadata when it completes."
                    )
                values: dict[str, Any] = {}
                for item in op.get("metadata_list") or []:
                    field = fields.get(item.get("id") or "")
                    if field is None:
                        raise invalid_param(f"Metadata field {item.get('id')!r} not found.")
                    value = _value(field, item.get("value"))
                    if value is not None:
                        values[field.name] = value
                planned.append((doc, values))
            for doc, values in planned:
                doc.doc_metadata, doc.updated_at = values, self._c.now()
            await session.commit()
        await self._reindex(dataset, [doc for doc, _ in planned if doc.indexing_status == "completed"])

    async def _rewrite(self, session: Any, dataset: DatasetRow, change: Any) -> list[DocumentRow]:
        """Apply ``change`` to every document's values; the documents whose values changed."""
        changed = []
        for doc in (
            await session.scalars(select(DocumentRow).where(DocumentRow.dataset_id == dataset.id))
        ).all():
            new = change(dict(doc.doc_metadata or {}))
            if new != (doc.doc_metadata or {}):
                doc.doc_metadata = new
                changed.append(doc)
        return changed

    async def _reindex(self, dataset: DatasetRow, docs: list[DocumentRow]) -> None:
        """The store's copy of the values follows: each document's chunks, rewritten in one write."""
        embedder = None
        if dataset.indexing_technique != "economy" and docs:
            embedder = self._c.embedders.get(dataset.embedding_model_provider, dataset.embedding_model)
        for doc in docs:
            if doc.indexing_status != "completed":
                continue  # an ingestion in progress reads the new values itself
            async with self._c.sessions() as session:
                segments, children = await document_rows(session, doc.id)
            records = await chunk_records(
                dataset, doc, segments, children, embedder, self._c.limits.embed_batch
            )
            await self._c.store.replace_document(dataset.id, doc.id, records)


def _renamed(values: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    if old not in values:
        return values
    out = {k: v for k, v in values.items() if k != old}
    out[new] = values[old]
    return out
