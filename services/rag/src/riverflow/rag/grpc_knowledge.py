"""``riverflow.rag.v1.Knowledge``: the Dify Knowledge API's operations, mapped onto the use cases."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import grpc
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as kpb
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc
from riverflow.rag.components import RagComponents
from riverflow.rag.datasets import DatasetService
from riverflow.rag.documents import DocumentService
from riverflow.rag.errors import invalid_param
from riverflow.rag.grpc_errors import dify_errors
from riverflow.rag.grpc_knowledge_editing import EditingRpcs, document_settings, page_of
from riverflow.rag.grpc_knowledge_labels import LabelRpcs
from riverflow.rag.grpc_mapping import dataset_pb, document_pb, segment_pb, status_pb, to_dict
from riverflow.rag.segments import SegmentService

__all__ = ["KnowledgeServicer"]

_TERMINAL = {"completed", "error", "paused"}


class KnowledgeServicer(EditingRpcs, LabelRpcs, knowledge_pb2_grpc.KnowledgeServicer):
    def __init__(self, c: RagComponents, watch_interval: float = 0.2) -> None:
        self._datasets, self._documents, self._segments = (
            DatasetService(c),
            DocumentService(c),
            SegmentService(c),
        )
        self._init_editing(c)
        self._init_labels(c)
        self._watch_interval = watch_interval

    # -- datasets -------------------------------------------------------------------------------------

    @dify_errors
    async def CreateDataset(
        self, request: kpb.CreateDatasetRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        fields = {
            k: getattr(request, k)
            for k in (
                "name",
                "description",
                "indexing_technique",
                "permission",
                "provider",
                "embedding_model",
                "embedding_model_provider",
            )
        }
        if request.HasField("retrieval_model"):
            fields["retrieval_model"] = to_dict(request.retrieval_model)
        return dataset_pb(await self._datasets.create(request.workspace_id, request.user, fields))

    @dify_errors
    async def ListDatasets(self, request: kpb.ListDatasetsRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        page, limit = page_of(request.page, request.limit)
        views, total = await self._datasets.list(
            request.workspace_id, page, limit, request.keyword, list(request.tag_ids)
        )
        return kpb.ListDatasetsResponse(
            data=[dataset_pb(v) for v in views],
            has_more=page * limit < total,
            limit=limit,
            total=total,
            page=page,
        )

    @dify_errors
    async def GetDataset(self, request: kpb.GetDatasetRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        return dataset_pb(await self._datasets.get(request.workspace_id, request.dataset_id))

    @dify_errors
    async def UpdateDataset(
        self, request: kpb.UpdateDatasetRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        allowed = {
            "name",
            "description",
            "indexing_technique",
            "permission",
            "embedding_model",
            "embedding_model_provider",
            "retrieval_model",
        }
        unknown = set(request.update_mask) - allowed
        if unknown:
            raise invalid_param(f"cannot update {sorted(unknown)[0]!r}")
        changes = {
            k: (to_dict(request.retrieval_model) if k == "retrieval_model" else getattr(request, k))
            for k in request.update_mask
        }
        return dataset_pb(
            await self._datasets.update(request.workspace_id, request.user, request.dataset_id, changes)
        )

    @dify_errors
    async def DeleteDataset(
        self, request: kpb.DeleteDatasetRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        await self._datasets.delete(request.workspace_id, request.dataset_id)
        return kpb.DeleteDatasetResponse()

    # -- documents ------------------------------------------------------------------------------------

    @dify_errors
    async def CreateDocumentByText(
        self, request: kpb.CreateDocumentByTextRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        doc, batch = await self._documents.create(
            request.workspace_id,
            request.user,
            request.dataset_id,
            name=request.name,
            content=request.text.encode(),
            filename=f"{request.name or 'document'}.txt",
            mime_type="text/plain",
            settings=document_settings(request.settings),
            from_text=True,
        )
        return kpb.CreateDocumentResponse(document=document_pb(doc), batch=batch)

    @dify_errors
    async def CreateDocumentByFile(
        self, request: kpb.CreateDocumentByFileRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        if not request.filename:
            raise invalid_param("filename is required")
        doc, batch = await self._documents.create(
            request.workspace_id,
            request.user,
            request.dataset_id,
            name=request.name or request.filename,
            content=request.content,
            filename=request.filename,
            mime_type=request.mime_type,
            settings=document_settings(request.settings),
            from_text=False,
        )
        return kpb.CreateDocumentResponse(document=document_pb(doc), batch=batch)

    @dify_errors
    async def ListDocuments(
        self, request: kpb.ListDocumentsRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        page, limit = page_of(request.page, request.limit)
        rows, total = await self._documents.list(
            request.workspace_id, request.dataset_id, page, limit, request.keyword, request.status
        )
        fields, built_in = await self._metadata.fields(request.workspace_id, request.dataset_id)
        return kpb.ListDocumentsResponse(
            data=[document_pb(r, [f for f, _ in fields], built_in) for r in rows],
            has_more=page * limit < total,
            limit=limit,
            total=total,
            page=page,
        )

    @dify_errors
    async def GetDocument(self, request: kpb.GetDocumentRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        doc = await self._documents.get(request.workspace_id, request.dataset_id, request.document_id)
        fields, built_in = await self._metadata.fields(request.workspace_id, request.dataset_id)
        return document_pb(doc, [f for f, _ in fields], built_in)

    @dify_errors
    async def DeleteDocument(
        self, request: kpb.DeleteDocumentRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        await self._documents.delete(request.workspace_id, request.dataset_id, request.document_id)
        return kpb.DeleteDocumentResponse()

    @dify_errors
    async def GetIndexingStatus(
        self, request: kpb.GetIndexingStatusRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        rows = await self._documents.indexing_status(request.workspace_id, request.dataset_id, request.batch)
        return kpb.IndexingStatusResponse(data=[status_pb(r) for r in rows])

    async def WatchIndexingStatus(  # noqa: N802
        self, request: kpb.GetIndexingStatusRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[kpb.IndexingStatusResponse]:
        last = None
        while True:
            response = await self.GetIndexingStatus(request, context)
            if response != last:
                yield response
                last = response
            if all(s.indexing_status in _TERMINAL for s in response.data):
                return
            await asyncio.sleep(self._watch_interval)

    # -- segments -------------------------------------------------------------------------------------

    @dify_errors
    async def CreateSegments(
        self, request: kpb.CreateSegmentsRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        new = [
            {"content": s.content, "answer": s.answer, "keywords": list(s.keywords)} for s in request.segments
        ]
        made, doc_form = await self._segments.create(
            request.workspace_id, request.user, request.dataset_id, request.document_id, new
        )
        return kpb.SegmentsResponse(data=[segment_pb(s, k) for s, k in made], doc_form=doc_form)

    @dify_errors
    async def ListSegments(self, request: kpb.ListSegmentsRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        page, limit = page_of(request.page, request.limit)
        rows, total, doc_form = await self._segments.list(
            request.workspace_id,
            request.dataset_id,
            request.document_id,
            page,
            limit,
            request.keyword,
            list(request.status),
        )
        return kpb.ListSegmentsResponse(
            data=[segment_pb(s, k) for s, k in rows],
            doc_form=doc_form,
            has_more=page * limit < total,
            limit=limit,
            total=total,
            page=page,
        )

    @dify_errors
    async def GetSegment(self, request: kpb.GetSegmentRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        seg, kids, doc_form = await self._segments.get(
            request.workspace_id, request.dataset_id, request.document_id, request.segment_id
        )
        return kpb.SegmentResponse(data=segment_pb(seg, kids), doc_form=doc_form)

    @dify_errors
    async def UpdateSegment(
        self, request: kpb.UpdateSegmentRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        changes: dict[str, Any] = {"regenerate_child_chunks": request.regenerate_child_chunks}
        for key in ("content", "answer", "enabled"):
            if request.HasField(key):
                changes[key] = getattr(request, key)
        if request.set_keywords:
            changes["keywords"] = list(request.keywords)
        seg, kids, doc_form = await self._segments.update(
            request.workspace_id,
            request.user,
            request.dataset_id,
            request.document_id,
            request.segment_id,
            changes,
        )
        return kpb.SegmentResponse(data=segment_pb(seg, kids), doc_form=doc_form)

    @dify_errors
    async def DeleteSegment(
        self, request: kpb.DeleteSegmentRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        await self._segments.delete(
            request.workspace_id, request.dataset_id, request.document_id, request.segment_id
        )
        return kpb.DeleteSegmentResponse()
