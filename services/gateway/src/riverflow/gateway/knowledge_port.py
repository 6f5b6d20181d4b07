"""The gateway's port to knowledge bases (the rag service's behaviour behind Dify's Knowledge API)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

__all__ = ["DocumentFile", "KnowledgeBackend"]

Json = dict[str, Any]


@dataclass(frozen=True)
class DocumentFile:
    """An uploaded document for ``create-by-file``."""

    filename: str
    mime_type: str
    content: bytes


class KnowledgeBackend(Protocol):
    """Knowledge bases (Dify datasets), owned by the rag service; every call is scoped to a workspace.

    Values are Dify's Knowledge API objects (Dataset, Document, Segment, retrieve records) as dicts;
    failures raise ``ApiError`` with Dify's codes (``dataset_name_duplicate``...). ``None``/False
    means "not found in this workspace".
    """

    async def create_dataset(self, workspace_id: str, fields: dict[str, Any]) -> dict[str, Any]: ...
    async def list_datasets(
        self,
        workspace_id: str,
        *,
        page: int,
        limit: int,
        keyword: str | None,
        tag_ids: list[str] | None = None,
    ) -> tuple[list[dict[str, Any]], int]: ...
    async def get_dataset(self, workspace_id: str, dataset_id: str) -> dict[str, Any] | None: ...
    async def update_dataset(
        self, workspace_id: str, dataset_id: str, fields: dict[str, Any]
    ) -> dict[str, Any] | None: ...
    async def delete_dataset(self, workspace_id: str, dataset_id: str) -> bool: ...
    async def create_document(
        self,
        workspace_id: str,
        dataset_id: str,
        *,
        name: str,
        config: dict[str, Any],
        text: str | None = None,
        file: DocumentFile | None = None,
    ) -> dict[str, Any] | None:
        """``{"document": ..., "batch": ...}`` from ``text`` or ``file``; indexing may go on after
        the call returns."""
        ...

    async def list_documents(
        self, workspace_id: str, dataset_id: str, *, page: int, limit: int, keyword: str | None
    ) -> tuple[list[dict[str, Any]], int] | None: ...
    async def indexing_status(
        self, workspace_id: str, dataset_id: str, batch: str
    ) -> list[dict[str, Any]] | None: ...
    async def delete_document(self, workspace_id: str, dataset_id: str, document_id: str) -> bool: ...
    async def create_segments(
        self, workspace_id: str, dataset_id: str, document_id: str, segments: list[dict[str, Any]]
    ) -> list[dict[str, Any]] | None: ...
    async def list_segments(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        *,
        page: int,
        limit: int,
        keyword: str | None,
    ) -> tuple[list[dict[str, Any]], int] | None: ...
    async def update_segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, fields: dict[str, Any]
    ) -> dict[str, Any] | None: ...
    async def delete_segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> bool: ...
    async def retrieve(
        self, workspace_id: str, dataset_id: str, query: str, retrieval_model: dict[str, Any] | None
    ) -> list[dict[str, Any]] | None:
        """Retrieve records (``{segment, score, ...}``), best first."""
        ...

    # The operations below raise ``ApiError`` (404 ``not_found`` with what is missing: "Dataset not
    # found.", "Document not found.", ...) instead of returning None.

    async def get_document(self, workspace_id: str, dataset_id: str, document_id: str) -> Json: ...
    async def get_segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> Json:
        """``{"data": Segment, "doc_form": ...}``."""
        ...

    async def update_document(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        *,
        name: str | None,
        config: Json,
        text: str | None = None,
        file: DocumentFile | None = None,
    ) -> Json:
        """``{"document", "batch"}``: the document re-ingested in place (or only renamed)."""
        ...

    async def set_documents_status(
        self, workspace_id: str, dataset_id: str, action: str, document_ids: list[str]
    ) -> None: ...
    async def list_child_chunks(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        segment_id: str,
        *,
        page: int,
        limit: int,
        keyword: str | None,
    ) -> tuple[list[Json], int]: ...
    async def create_child_chunk(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, content: str
    ) -> Json: ...
    async def update_child_chunk(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        segment_id: str,
        child_chunk_id: str,
        content: str,
    ) -> Json: ...
    async def delete_child_chunk(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, child_chunk_id: str
    ) -> None: ...
    async def list_metadata_fields(self, workspace_id: str, dataset_id: str) -> Json:
        """``{"doc_metadata": [{id, name, type, count}], "built_in_field_enabled": bool}``."""
        ...

    async def create_metadata_field(
        self, workspace_id: str, dataset_id: str, type_: str, name: str
    ) -> Json: ...
    async def update_metadata_field(
        self, workspace_id: str, dataset_id: str, metadata_id: str, name: str
    ) -> Json: ...
    async def delete_metadata_field(self, workspace_id: str, dataset_id: str, metadata_id: str) -> None: ...
    async def set_built_in_metadata(self, workspace_id: str, dataset_id: str, enabled: bool) -> None: ...
    async def update_documents_metadata(
        self, workspace_id: str, dataset_id: str, operations: list[Json]
    ) -> None: ...
    async def list_tags(self, workspace_id: str) -> list[Json]: ...
    async def create_tag(self, workspace_id: str, name: str) -> Json: ...
    async def update_tag(self, workspace_id: str, tag_id: str, name: str) -> Json: ...
    async def delete_tag(self, workspace_id: str, tag_id: str) -> None: ...
    async def bind_tags(self, workspace_id: str, dataset_id: str, tag_ids: list[str]) -> None: ...
    async def unbind_tags(self, workspace_id: str, dataset_id: str, tag_ids: list[str]) -> None: ...
    async def dataset_tags(self, workspace_id: str, dataset_id: str) -> list[Json]: ...
