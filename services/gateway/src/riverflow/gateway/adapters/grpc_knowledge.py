"""``KnowledgeBackend`` over the rag service's gRPC API (``riverflow.rag.v1.Knowledge`` and ``Retrieval``).

Proto messages become Dify's JSON objects with ``MessageToDict`` (proto field names are Dify's);
gRPC errors become ``ApiError`` with the code and status the rag service puts in the trailing
metadata (``rf-error-code``, ``rf-http-status``); NOT_FOUND becomes "not found" (None/False).
"""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import json_format
from google.protobuf.message import Message
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc, retrieval_pb2, retrieval_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as r
from riverflow.gateway.adapters.grpc_knowledge_curation import GrpcKnowledgeCuration, dify_document
from riverflow.gateway.errors import ApiError
from riverflow.gateway.knowledge_port import DocumentFile

__all__ = ["GrpcKnowledge", "to_dict"]

_STATUS = {
    grpc.StatusCode.INVALID_ARGUMENT: (400, "invalid_param"),
    grpc.StatusCode.ALREADY_EXISTS: (409, "dataset_name_duplicate"),
    grpc.StatusCode.FAILED_PRECONDITION: (400, "bad_request"),
    grpc.StatusCode.RESOURCE_EXHAUSTED: (413, "file_too_large"),
    grpc.StatusCode.UNIMPLEMENTED: (415, "unsupported_file_type"),
    grpc.StatusCode.UNAVAILABLE: (503, "service_unavailable"),
}
_DATASET_FIELDS = (
    "name",
    "description",
    "indexing_technique",
    "permission",
    "provider",
    "embedding_model",
    "embedding_model_provider",
)


def _ints(value: Any) -> Any:
    """JSON mapping writes int64 as strings; Dify's timestamps and counts are numbers."""
    if isinstance(value, dict):
        return {
            key: int(item)
            if isinstance(item, str) and key.endswith("_at") and item.lstrip("-").isdigit()
            else _ints(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [_ints(item) for item in value]
    return value


def to_dict(message: Message) -> dict[str, Any]:
    return _ints(
        json_format.MessageToDict(
            message, preserving_proto_field_name=True, always_print_fields_with_no_presence=True
        )
    )


def _parse(message_type: type[Message], value: dict[str, Any] | None) -> Any:
    if not value:
        return None
    return json_format.ParseDict(value, message_type(), ignore_unknown_fields=True)


def _error(exc: grpc.aio.AioRpcError) -> ApiError:
    trailing = {str(key): str(value) for key, value in list(exc.trailing_metadata() or ())}
    status, code = _STATUS.get(exc.code(), (500, "internal_server_error"))
    if trailing.get("rf-http-status", "").isdigit():
        status = int(trailing["rf-http-status"])
    return ApiError(
        status, str(trailing.get("rf-error-code") or code), exc.details() or "Knowledge service error."
    )


def _settings(config: dict[str, Any]) -> k.DocumentSettings:
    settings = k.DocumentSettings(
        indexing_technique=str(config.get("indexing_technique") or ""),
        doc_form=str(config.get("doc_form") or ""),
        doc_language=str(config.get("doc_language") or ""),
        embedding_model=str(config.get("embedding_model") or ""),
        embedding_model_provider=str(config.get("embedding_model_provider") or ""),
    )
    if config.get("process_rule"):
        settings.process_rule.CopyFrom(_parse(r.ProcessRule, config["process_rule"]))
    if config.get("retrieval_model"):
        settings.retrieval_model.CopyFrom(_parse(r.RetrievalModel, config["retrieval_model"]))
    return settings


def _paged(response: Any) -> tuple[list[dict[str, Any]], int]:
    return [to_dict(item) for item in response.data], int(response.total)


class GrpcKnowledge(GrpcKnowledgeCuration):
    """One channel to the rag service (``target`` such as ``127.0.0.1:50051``), opened lazily."""

    def __init__(self, target: str, user: str = "api") -> None:
        self._target, self._user = target, user
        self._channel: grpc.aio.Channel | None = None

    def _stubs(self) -> tuple[knowledge_pb2_grpc.KnowledgeStub, retrieval_pb2_grpc.RetrievalStub]:
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self._target)
        return knowledge_pb2_grpc.KnowledgeStub(self._channel), retrieval_pb2_grpc.RetrievalStub(
            self._channel
        )

    async def _call(self, method: str, request: Message) -> Any:
        stub = self._stubs()[1 if method == "Retrieve" else 0]
        try:
            return await getattr(stub, method)(request, timeout=60)
        except grpc.aio.AioRpcError as exc:
            if exc.code() == grpc.StatusCode.NOT_FOUND:
                return None
            raise _error(exc) from None

    async def _must(self, method: str, request: Message) -> Any:
        """Like ``_call``, but NOT_FOUND is a 404 with the rag service's message (what is missing)."""
        try:
            return await getattr(self._stubs()[0], method)(request, timeout=60)
        except grpc.aio.AioRpcError as exc:
            raise _error(exc) from None

    def _dict(self, message: Message) -> dict[str, Any]:
        return to_dict(message)

    def _settings(self, config: dict[str, Any]) -> k.DocumentSettings:
        return _settings(config)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()

    async def create_dataset(self, workspace_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        values = {name: str(fields.get(name) or "") for name in _DATASET_FIELDS}
        request = k.CreateDatasetRequest(workspace_id=workspace_id, user=self._user, **values)
        if fields.get("retrieval_model"):
            request.retrieval_model.CopyFrom(_parse(r.RetrievalModel, fields["retrieval_model"]))
        return to_dict(await self._call("CreateDataset", request))

    async def list_datasets(
        self,
        workspace_id: str,
        *,
        page: int,
        limit: int,
        keyword: str | None,
        tag_ids: list[str] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        request = k.ListDatasetsRequest(
            workspace_id=workspace_id, page=page, limit=limit, keyword=keyword or "", tag_ids=tag_ids or []
        )
        return _paged(await self._call("ListDatasets", request))

    async def get_dataset(self, workspace_id: str, dataset_id: str) -> dict[str, Any] | None:
        found = await self._call(
            "GetDataset", k.GetDatasetRequest(workspace_id=workspace_id, dataset_id=dataset_id)
        )
        return None if found is None else to_dict(found)

    async def update_dataset(
        self, workspace_id: str, dataset_id: str, fields: dict[str, Any]
    ) -> dict[str, Any] | None:
        mask = [name for name in (*_DATASET_FIELDS, "retrieval_model") if fields.get(name) is not None]
        values = {name: str(fields[name]) for name in mask if name in _DATASET_FIELDS and name != "provider"}
        request = k.UpdateDatasetRequest(
            workspace_id=workspace_id, user=self._user, dataset_id=dataset_id, update_mask=mask, **values
        )
        if fields.get("retrieval_model"):
            request.retrieval_model.CopyFrom(_parse(r.RetrievalModel, fields["retrieval_model"]))
        found = await self._call("UpdateDataset", request)
        return None if found is None else to_dict(found)

    async def delete_dataset(self, workspace_id: str, dataset_id: str) -> bool:
        request = k.DeleteDatasetRequest(workspace_id=workspace_id, dataset_id=dataset_id)
        return await self._call("DeleteDataset", request) is not None

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
        common = {"workspace_id": workspace_id, "user": self._user, "dataset_id": dataset_id}
        if file is not None:
            request: Message = k.CreateDocumentByFileRequest(
                **common,
                filename=file.filename,
                mime_type=file.mime_type,
                content=file.content,
                name=name,
                settings=_settings(config),
            )
            found = await self._call("CreateDocumentByFile", request)
        else:
            request = k.CreateDocumentByTextRequest(
                **common, name=name, text=text or "", settings=_settings(config)
            )
            found = await self._call("CreateDocumentByText", request)
        return (
            None
            if found is None
            else {"document": dify_document(to_dict(found.document)), "batch": found.batch}
        )

    async def list_documents(
        self, workspace_id: str, dataset_id: str, *, page: int, limit: int, keyword: str | None
    ) -> tuple[list[dict[str, Any]], int] | None:
        request = k.ListDocumentsRequest(
            workspace_id=workspace_id, dataset_id=dataset_id, page=page, limit=limit, keyword=keyword or ""
        )
        found = await self._call("ListDocuments", request)
        return None if found is None else ([dify_document(d) for d in _paged(found)[0]], int(found.total))

    async def indexing_status(
        self, workspace_id: str, dataset_id: str, batch: str
    ) -> list[dict[str, Any]] | None:
        request = k.GetIndexingStatusRequest(workspace_id=workspace_id, dataset_id=dataset_id, batch=batch)
        found = await self._call("GetIndexingStatus", request)
        return None if found is None else [to_dict(item) for item in found.data]

    async def delete_document(self, workspace_id: str, dataset_id: str, document_id: str) -> bool:
        request = k.DeleteDocumentRequest(
            workspace_id=workspace_id, dataset_id=dataset_id, document_id=document_id
        )
        return await self._call("DeleteDocument", request) is not None

    async def create_segments(
        self, workspace_id: str, dataset_id: str, document_id: str, segments: list[dict[str, Any]]
    ) -> list[dict[str, Any]] | None:
        items = [
            k.NewSegment(
                content=s.get("content", ""), answer=s.get("answer") or "", keywords=s.get("keywords") or []
            )
            for s in segments
        ]
        request = k.CreateSegmentsRequest(
            workspace_id=workspace_id,
            user=self._user,
            dataset_id=dataset_id,
            document_id=document_id,
            segments=items,
        )
        found = await self._call("CreateSegments", request)
        return None if found is None else [to_dict(item) for item in found.data]

    async def list_segments(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        *,
        page: int,
        limit: int,
        keyword: str | None,
    ) -> tuple[list[dict[str, Any]], int] | None:
        request = k.ListSegmentsRequest(
            workspace_id=workspace_id,
            dataset_id=dataset_id,
            document_id=document_id,
            page=page,
            limit=limit,
            keyword=keyword or "",
        )
        found = await self._call("ListSegments", request)
        return None if found is None else _paged(found)

    async def update_segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, fields: dict[str, Any]
    ) -> dict[str, Any] | None:
        request = k.UpdateSegmentRequest(
            workspace_id=workspace_id,
            user=self._user,
            dataset_id=dataset_id,
            document_id=document_id,
            segment_id=segment_id,
            keywords=fields.get("keywords") or [],
            set_keywords="keywords" in fields,
            regenerate_child_chunks=bool(fields.get("regenerate_child_chunks")),
        )
        for name in ("content", "answer", "enabled"):
            if fields.get(name) is not None:
                setattr(request, name, fields[name])
        found = await self._call("UpdateSegment", request)
        return None if found is None else to_dict(found.data)

    async def delete_segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> bool:
        request = k.DeleteSegmentRequest(
            workspace_id=workspace_id, dataset_id=dataset_id, document_id=document_id, segment_id=segment_id
        )
        return await self._call("DeleteSegment", request) is not None

    async def retrieve(
        self, workspace_id: str, dataset_id: str, query: str, retrieval_model: dict[str, Any] | None
    ) -> list[dict[str, Any]] | None:
        request = retrieval_pb2.RetrieveRequest(
            dataset_ids=[dataset_id], query=query, workspace_id=workspace_id
        )
        if retrieval_model:
            request.retrieval_model.CopyFrom(_parse(r.RetrievalModel, retrieval_model))
        found = await self._call("Retrieve", request)
        if found is None:
            return None
        records = []
        for record in found.records:
            segment = (
                to_dict(record.segment)
                if record.HasField("segment")
                else {
                    "id": record.segment_id,
                    "document_id": record.document_id,
                    "content": record.content,
                }
            )
            if record.HasField("document"):
                segment["document"] = to_dict(record.document)
            records.append(
                {
                    "segment": segment,
                    "child_chunks": [to_dict(c) for c in record.child_chunks],
                    "score": record.score,
                    "tsne_position": None,
                    "files": [],
                    "summary": None,
                }
            )
        return records
