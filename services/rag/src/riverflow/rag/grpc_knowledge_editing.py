"""``riverflow.rag.v1.Knowledge`` RPCs that change existing documents: re-ingestion in place, batch
status actions, and child chunks (a mixin of ``KnowledgeServicer``)."""

from __future__ import annotations

from typing import Any

import grpc
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as kpb
from riverflow.rag.child_chunks import ChildChunkService
from riverflow.rag.components import RagComponents
from riverflow.rag.document_updates import DocumentUpdates
from riverflow.rag.errors import invalid_param
from riverflow.rag.grpc_errors import dify_errors
from riverflow.rag.grpc_mapping import child_pb, document_pb, to_dict

__all__ = ["EditingRpcs", "document_settings", "page_of"]


def page_of(page: int, limit: int, default: int = 20) -> tuple[int, int]:
    if page < 0 or limit < 0:
        raise invalid_param("page and limit must be positive")
    return page or 1, min(limit or default, 100)


def document_settings(s: kpb.DocumentSettings) -> dict[str, Any]:
    out: dict[str, Any] = {
        k: getattr(s, k)
        for k in (
            "indexing_technique",
            "doc_form",
            "doc_language",
            "embedding_model",
            "embedding_model_provider",
        )
        if getattr(s, k)
    }
    for key in ("process_rule", "retrieval_model"):
        if s.HasField(key):
            out[key] = to_dict(getattr(s, key))
    if s.HasField("doc_metadata"):
        out["doc_metadata"] = to_dict(s.doc_metadata)
    return out


class EditingRpcs:
    def _init_editing(self, c: RagComponents) -> None:
        self._updates, self._children = DocumentUpdates(c), ChildChunkService(c)

    @dify_errors
    async def UpdateDocumentByText(  # noqa: N802
        self, request: kpb.UpdateDocumentByTextRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        name = request.name if request.HasField("name") else None
        text = request.text if request.HasField("text") else None
        if text is not None and name is None:
            raise invalid_param("name is required when text is provided")
        doc, batch = await self._updates.reingest(
            request.workspace_id,
            request.user,
            request.dataset_id,
            request.document_id,
            name=name,
            content=None if text is None else text.encode(),
            filename=f"{name or 'document'}.txt",
            mime_type="text/plain",
            settings=document_settings(request.settings),
            from_text=True,
        )
        return kpb.CreateDocumentResponse(document=document_pb(doc), batch=batch)

    @dify_errors
    async def UpdateDocumentByFile(  # noqa: N802
        self, request: kpb.UpdateDocumentByFileRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        if not request.filename:
            raise invalid_param("filename is required")
        doc, batch = await self._updates.reingest(
            request.workspace_id,
            request.user,
            request.dataset_id,
            request.document_id,
            name=request.name if request.HasField("name") else None,
            content=request.content,
            filename=request.filename,
            mime_type=request.mime_type,
            settings=document_settings(request.settings),
            from_text=False,
        )
        return kpb.CreateDocumentResponse(document=document_pb(doc), batch=batch)

    @dify_errors
    async def UpdateDocumentsStatus(  # noqa: N802
        self, request: kpb.UpdateDocumentsStatusRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        await self._updates.set_status(
            request.workspace_id, request.user, request.dataset_id, request.action, list(request.document_ids)
        )
        return kpb.UpdateDocumentsStatusResponse()

    @dify_errors
    async def ListChildChunks(  # noqa: N802
        self, request: kpb.ListChildChunksRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        page, limit = page_of(request.page, request.limit)
        rows, total, pages = await self._children.list(
            request.workspace_id,
            request.dataset_id,
            request.document_id,
            request.segment_id,
            page,
            limit,
            request.keyword,
        )
        return kpb.ListChildChunksResponse(
            data=[child_pb(k) for k in rows], total=total, total_pages=pages, page=page, limit=limit
        )

    @dify_errors
    async def CreateChildChunk(  # noqa: N802
        self, request: kpb.CreateChildChunkRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        child = await self._children.create(
            request.workspace_id,
            request.user,
            request.dataset_id,
            request.document_id,
            request.segment_id,
            request.content,
        )
        return kpb.ChildChunkResponse(data=child_pb(child))

    @dify_errors
    async def UpdateChildChunk(  # noqa: N802
        self, request: kpb.UpdateChildChunkRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        child = await self._children.update(
            request.workspace_id,
            request.user,
            request.dataset_id,
            request.document_id,
            request.segment_id,
            request.child_chunk_id,
            request.content,
        )
        return kpb.ChildChunkResponse(data=child_pb(child))

    @dify_errors
    async def DeleteChildChunk(  # noqa: N802
        self, request: kpb.DeleteChildChunkRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        await self._children.delete(
            request.workspace_id,
            request.dataset_id,
            request.document_id,
            request.segment_id,
            request.child_chunk_id,
        )
        return kpb.DeleteChildChunkResponse()
