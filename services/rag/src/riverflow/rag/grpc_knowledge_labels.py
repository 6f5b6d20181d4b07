"""``riverflow.rag.v1.Knowledge`` RPCs for metadata fields and values, and knowledge tags (a mixin of
``KnowledgeServicer``)."""

from __future__ import annotations

from typing import Any

import grpc
from google.protobuf import json_format
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as kpb
from riverflow.rag.components import RagComponents
from riverflow.rag.grpc_errors import dify_errors
from riverflow.rag.grpc_mapping import field_pb, tag_pb
from riverflow.rag.metadata_fields import MetadataService
from riverflow.rag.tags import TagService

__all__ = ["LabelRpcs"]


class LabelRpcs:
    def _init_labels(self, c: RagComponents) -> None:
        self._metadata, self._tags = MetadataService(c), TagService(c)

    # -- metadata ---------------------------------------------------------------------------------------

    @dify_errors
    async def ListMetadataFields(  # noqa: N802
        self, request: kpb.ListMetadataFieldsRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        fields, built_in = await self._metadata.fields(request.workspace_id, request.dataset_id)
        return kpb.ListMetadataFieldsResponse(
            doc_metadata=[field_pb(f, n) for f, n in fields], built_in_field_enabled=built_in
        )

    @dify_errors
    async def CreateMetadataField(  # noqa: N802
        self, request: kpb.CreateMetadataFieldRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        row = await self._metadata.create(
            request.workspace_id, request.user, request.dataset_id, request.type, request.name
        )
        return field_pb(row)

    @dify_errors
    async def UpdateMetadataField(  # noqa: N802
        self, request: kpb.UpdateMetadataFieldRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        row, count = await self._metadata.rename(
            request.workspace_id, request.user, request.dataset_id, request.metadata_id, request.name
        )
        return field_pb(row, count)

    @dify_errors
    async def DeleteMetadataField(  # noqa: N802
        self, request: kpb.DeleteMetadataFieldRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        await self._metadata.delete(request.workspace_id, request.dataset_id, request.metadata_id)
        return kpb.DeleteMetadataFieldResponse()

    @dify_errors
    async def SetBuiltInMetadata(  # noqa: N802
        self, request: kpb.SetBuiltInMetadataRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        await self._metadata.set_built_in(
            request.workspace_id, request.user, request.dataset_id, request.enabled
        )
        return kpb.SetBuiltInMetadataResponse()

    @dify_errors
    async def UpdateDocumentsMetadata(  # noqa: N802
        self, request: kpb.UpdateDocumentsMetadataRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        operations = [
            {
                "document_id": op.document_id,
                "metadata_list": [
                    {"id": item.id, "name": item.name, "value": json_format.MessageToDict(item.value)}
                    for item in op.metadata_list
                ],
            }
            for op in request.operation_data
        ]
        await self._metadata.set_values(request.workspace_id, request.user, request.dataset_id, operations)
        return kpb.UpdateDocumentsMetadataResponse()

    # -- tags -------------------------------------------------------------------------------------------

    @dify_errors
    async def ListTags(self, request: kpb.ListTagsRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        return kpb.ListTagsResponse(
            data=[tag_pb(t, n) for t, n in await self._tags.list(request.workspace_id)]
        )

    @dify_errors
    async def CreateTag(self, request: kpb.CreateTagRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        return tag_pb(await self._tags.create(request.workspace_id, request.user, request.name))

    @dify_errors
    async def UpdateTag(self, request: kpb.UpdateTagRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        tag, count = await self._tags.rename(request.workspace_id, request.tag_id, request.name)
        return tag_pb(tag, count)

    @dify_errors
    async def DeleteTag(self, request: kpb.DeleteTagRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        await self._tags.delete(request.workspace_id, request.tag_id)
        return kpb.DeleteTagResponse()

    @dify_errors
    async def BindTags(self, request: kpb.TagBindingRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        await self._tags.bind(request.workspace_id, request.dataset_id, list(request.tag_ids))
        return kpb.TagBindingResponse()

    @dify_errors
    async def UnbindTags(self, request: kpb.TagBindingRequest, context: grpc.aio.ServicerContext) -> Any:  # noqa: N802
        await self._tags.unbind(request.workspace_id, request.dataset_id, list(request.tag_ids))
        return kpb.TagBindingResponse()

    @dify_errors
    async def ListDatasetTags(  # noqa: N802
        self, request: kpb.ListDatasetTagsRequest, context: grpc.aio.ServicerContext
    ) -> Any:
        tags = await self._tags.of_dataset(request.workspace_id, request.dataset_id)
        return kpb.ListTagsResponse(data=[tag_pb(t) for t in tags])
