"""``GrpcKnowledge``'s operations on existing knowledge: documents updated in place, status actions,
child chunks, metadata and tags. NOT_FOUND becomes a 404 ``ApiError`` with the rag service's message."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.struct_pb2 import Value
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as r
from riverflow.gateway.knowledge_port import DocumentFile

__all__ = ["GrpcKnowledgeCuration", "dify_document"]

Json = dict[str, Any]


def dify_document(document: Json) -> Json:
    """A proto Document as Dify's: ``doc_metadata`` is the list of ``{id, name, type, value}``."""
    items = document.pop("doc_metadata_items", None)
    if items is not None:
        document["doc_metadata"] = items
    for unset in ("disabled_at", "completed_at"):  # optional in the proto: absent when unset, null in Dify
        document.setdefault(unset, None)
    return document


def _tag(tag: Json) -> Json:
    return {**tag, "binding_count": str(tag.get("binding_count", 0))}  # Dify sends it as a string


class GrpcKnowledgeCuration:
    """Mixed into ``GrpcKnowledge``: needs its ``_must``, ``_user`` and ``to_dict``/``settings`` helpers."""

    _user: str

    async def _must(self, method: str, request: Message) -> Any:  # pragma: no cover - GrpcKnowledge's
        raise NotImplementedError

    def _dict(self, message: Message) -> Json:  # pragma: no cover - GrpcKnowledge's
        raise NotImplementedError

    def _settings(self, config: Json) -> k.DocumentSettings:  # pragma: no cover - GrpcKnowledge's
        raise NotImplementedError

    async def get_document(self, workspace_id: str, dataset_id: str, document_id: str) -> Json:
        request = k.GetDocumentRequest(
            workspace_id=workspace_id, dataset_id=dataset_id, document_id=document_id
        )
        return dify_document(self._dict(await self._must("GetDocument", request)))

    async def get_segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> Json:
        request = k.GetSegmentRequest(
            workspace_id=workspace_id, dataset_id=dataset_id, document_id=document_id, segment_id=segment_id
        )
        return self._dict(await self._must("GetSegment", request))

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
        common = {
            "workspace_id": workspace_id,
            "user": self._user,
            "dataset_id": dataset_id,
            "document_id": document_id,
            "settings": self._settings(config),
        }
        if file is not None:
            request: Message = k.UpdateDocumentByFileRequest(
                **common, filename=file.filename, mime_type=file.mime_type, content=file.content
            )
            if name is not None:
                request.name = name
            found = await self._must("UpdateDocumentByFile", request)
        else:
            request = k.UpdateDocumentByTextRequest(**common)
            if name is not None:
                request.name = name
            if text is not None:
                request.text = text
            found = await self._must("UpdateDocumentByText", request)
        return {"document": dify_document(self._dict(found.document)), "batch": found.batch}

    async def set_documents_status(
        self, workspace_id: str, dataset_id: str, action: str, document_ids: list[str]
    ) -> None:
        await self._must(
            "UpdateDocumentsStatus",
            k.UpdateDocumentsStatusRequest(
                workspace_id=workspace_id,
                user=self._user,
                dataset_id=dataset_id,
                action=action,
                document_ids=document_ids,
            ),
        )

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
    ) -> tuple[list[Json], int]:
        request = k.ListChildChunksRequest(
            workspace_id=workspace_id,
            dataset_id=dataset_id,
            document_id=document_id,
            segment_id=segment_id,
            page=page,
            limit=limit,
            keyword=keyword or "",
        )
        found = await self._must("ListChildChunks", request)
        return [_child(self._dict(c)) for c in found.data], int(found.total)

    def _where(self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str) -> Json:
        return {
            "workspace_id": workspace_id,
            "dataset_id": dataset_id,
            "document_id": document_id,
            "segment_id": segment_id,
        }

    async def create_child_chunk(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, content: str
    ) -> Json:
        where = self._where(workspace_id, dataset_id, document_id, segment_id)
        request = k.CreateChildChunkRequest(**where, user=self._user, content=content)
        return _child(self._dict((await self._must("CreateChildChunk", request)).data))

    async def update_child_chunk(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        segment_id: str,
        child_chunk_id: str,
        content: str,
    ) -> Json:
        where = self._where(workspace_id, dataset_id, document_id, segment_id)
        request = k.UpdateChildChunkRequest(
            **where, user=self._user, child_chunk_id=child_chunk_id, content=content
        )
        return _child(self._dict((await self._must("UpdateChildChunk", request)).data))

    async def delete_child_chunk(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, child_chunk_id: str
    ) -> None:
        where = self._where(workspace_id, dataset_id, document_id, segment_id)
        await self._must(
            "DeleteChildChunk", k.DeleteChildChunkRequest(**where, child_chunk_id=child_chunk_id)
        )

    async def list_metadata_fields(self, workspace_id: str, dataset_id: str) -> Json:
        request = k.ListMetadataFieldsRequest(workspace_id=workspace_id, dataset_id=dataset_id)
        return self._dict(await self._must("ListMetadataFields", request))

    async def create_metadata_field(self, workspace_id: str, dataset_id: str, type_: str, name: str) -> Json:
        request = k.CreateMetadataFieldRequest(
            workspace_id=workspace_id, user=self._user, dataset_id=dataset_id, type=type_, name=name
        )
        return self._dict(await self._must("CreateMetadataField", request))

    async def update_metadata_field(
        self, workspace_id: str, dataset_id: str, metadata_id: str, name: str
    ) -> Json:
        request = k.UpdateMetadataFieldRequest(
            workspace_id=workspace_id,
            user=self._user,
            dataset_id=dataset_id,
            metadata_id=metadata_id,
            name=name,
        )
        return self._dict(await self._must("UpdateMetadataField", request))

    async def delete_metadata_field(self, workspace_id: str, dataset_id: str, metadata_id: str) -> None:
        request = k.DeleteMetadataFieldRequest(
            workspace_id=workspace_id, dataset_id=dataset_id, metadata_id=metadata_id
        )
        await self._must("DeleteMetadataField", request)

    async def set_built_in_metadata(self, workspace_id: str, dataset_id: str, enabled: bool) -> None:
        request = k.SetBuiltInMetadataRequest(
            workspace_id=workspace_id, user=self._user, dataset_id=dataset_id, enabled=enabled
        )
        await self._must("SetBuiltInMetadata", request)

    async def update_documents_metadata(
        self, workspace_id: str, dataset_id: str, operations: list[Json]
    ) -> None:
        data = []
        for op in operations:
            items = []
            for item in op.get("metadata_list") or []:
                value = Value()
                json_format.ParseDict(item.get("value"), value)
                items.append(
                    r.DocumentMetadataItem(
                        id=str(item.get("id") or ""), name=str(item.get("name") or ""), value=value
                    )
                )
            data.append(
                k.DocumentMetadataUpdate(document_id=str(op.get("document_id") or ""), metadata_list=items)
            )
        request = k.UpdateDocumentsMetadataRequest(
            workspace_id=workspace_id, user=self._user, dataset_id=dataset_id, operation_data=data
        )
        await self._must("UpdateDocumentsMetadata", request)

    async def list_tags(self, workspace_id: str) -> list[Json]:
        found = await self._must("ListTags", k.ListTagsRequest(workspace_id=workspace_id))
        return [_tag(self._dict(t)) for t in found.data]

    async def create_tag(self, workspace_id: str, name: str) -> Json:
        request = k.CreateTagRequest(workspace_id=workspace_id, user=self._user, name=name)
        return _tag(self._dict(await self._must("CreateTag", request)))

    async def update_tag(self, workspace_id: str, tag_id: str, name: str) -> Json:
        request = k.UpdateTagRequest(workspace_id=workspace_id, tag_id=tag_id, name=name)
        return _tag(self._dict(await self._must("UpdateTag", request)))

    async def delete_tag(self, workspace_id: str, tag_id: str) -> None:
        await self._must("DeleteTag", k.DeleteTagRequest(workspace_id=workspace_id, tag_id=tag_id))

    async def bind_tags(self, workspace_id: str, dataset_id: str, tag_ids: list[str]) -> None:
        request = k.TagBindingRequest(workspace_id=workspace_id, dataset_id=dataset_id, tag_ids=tag_ids)
        await self._must("BindTags", request)

    async def unbind_tags(self, workspace_id: str, dataset_id: str, tag_ids: list[str]) -> None:
        request = k.TagBindingRequest(workspace_id=workspace_id, dataset_id=dataset_id, tag_ids=tag_ids)
        await self._must("UnbindTags", request)

    async def dataset_tags(self, workspace_id: str, dataset_id: str) -> list[Json]:
        request = k.ListDatasetTagsRequest(workspace_id=workspace_id, dataset_id=dataset_id)
        found = await self._must("ListDatasetTags", request)
        return [{"id": t.id, "name": t.name} for t in found.data]


def _child(child: Json) -> Json:
    child.pop("score", None)  # set on retrieval hits only
    return child
