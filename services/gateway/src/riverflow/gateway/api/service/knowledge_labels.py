"""Knowledge API: dataset metadata fields and document values, and knowledge tags."""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import Response
from pydantic import BaseModel, ConfigDict, Field
from riverflow.gateway.api.deps import DatasetKeyDep, ServicesDep
from riverflow.gateway.errors import ApiError

__all__ = ["router"]

router = APIRouter(tags=["knowledge"])  # included by knowledge.router (prefix /v1)
_META = "/datasets/{dataset_id}/metadata"
_BUILT_IN = [
    {"name": "document_name", "type": "string"},
    {"name": "uploader", "type": "string"},
    {"name": "upload_date", "type": "time"},
    {"name": "last_update_date", "type": "time"},
    {"name": "source", "type": "string"},
]


class MetadataCreate(BaseModel):
    type: Literal["string", "number", "time"]
    name: str = Field(min_length=1, max_length=255)


class MetadataRename(BaseModel):
    name: str = Field(min_length=1, max_length=255)


class _MetadataValue(BaseModel):
    model_config = ConfigDict(extra="allow")

    id: str
    name: str
    value: str | int | float | None = None


class _DocumentValues(BaseModel):
    document_id: str
    metadata_list: list[_MetadataValue]
    partial_update: bool = False  # keep the document's values for fields not in metadata_list


class DocumentsMetadata(BaseModel):
    operation_data: list[_DocumentValues] = Field(min_length=1)


class TagName(BaseModel):
    name: str = Field(min_length=1, max_length=50)


class TagRename(TagName):
    tag_id: str


class TagId(BaseModel):
    tag_id: str


class TagBinding(BaseModel):
    target_id: str
    tag_ids: list[str] | None = Field(default=None, min_length=1)
    tag_id: str | None = None  # the legacy single-tag spelling

    def ids(self) -> list[str]:
        ids = list(self.tag_ids or ([self.tag_id] if self.tag_id else []))
        if not ids:
            raise ApiError(400, "invalid_param", "tag_ids is required.", params="tag_ids")
        return ids


# -- tags (declared before /datasets/{dataset_id}, which would take "tags" for an id) -------------------


@router.get("/datasets/tags", summary="The workspace's knowledge tags")
async def list_tags(key: DatasetKeyDep, svc: ServicesDep) -> list[dict[str, Any]]:
    return await svc.knowledge.list_tags(key.workspace_id)


@router.post("/datasets/tags", summary="Create a knowledge tag")
async def create_tag(body: TagName, key: DatasetKeyDep, svc: ServicesDep) -> dict[str, Any]:
    return await svc.knowledge.create_tag(key.workspace_id, body.name)


@router.patch("/datasets/tags", summary="Rename a knowledge tag")
async def update_tag(body: TagRename, key: DatasetKeyDep, svc: ServicesDep) -> dict[str, Any]:
    return await svc.knowledge.update_tag(key.workspace_id, body.tag_id, body.name)


@router.delete("/datasets/tags", status_code=204, summary="Delete a knowledge tag")
async def delete_tag(body: TagId, key: DatasetKeyDep, svc: ServicesDep) -> Response:
    await svc.knowledge.delete_tag(key.workspace_id, body.tag_id)
    return Response(status_code=204)


@router.post("/datasets/tags/binding", status_code=204, summary="Bind tags to a knowledge base")
async def bind_tags(body: TagBinding, key: DatasetKeyDep, svc: ServicesDep) -> Response:
    await svc.knowledge.bind_tags(key.workspace_id, body.target_id, body.ids())
    return Response(status_code=204)


@router.post("/datasets/tags/unbinding", status_code=204, summary="Unbind tags from a knowledge base")
async def unbind_tags(body: TagBinding, key: DatasetKeyDep, svc: ServicesDep) -> Response:
    await svc.knowledge.unbind_tags(key.workspace_id, body.target_id, body.ids())
    return Response(status_code=204)


@router.get("/datasets/{dataset_id}/tags", summary="A knowledge base's tags")
async def dataset_tags(dataset_id: str, key: DatasetKeyDep, svc: ServicesDep) -> dict[str, Any]:
    tags = await svc.knowledge.dataset_tags(key.workspace_id, dataset_id)
    return {"data": tags, "total": len(tags)}


# dify-dataset-sdk 0.6.3 asks for a dataset's tags with POST.
router.add_api_route("/datasets/{dataset_id}/tags", dataset_tags, methods=["POST"], include_in_schema=False)


# -- metadata -------------------------------------------------------------------------------------------


@router.get(_META, summary="A knowledge base's metadata fields")
async def list_metadata(dataset_id: str, key: DatasetKeyDep, svc: ServicesDep) -> dict[str, Any]:
    return await svc.knowledge.list_metadata_fields(key.workspace_id, dataset_id)


@router.post(_META, status_code=201, summary="Add a metadata field")
async def create_metadata(
    dataset_id: str, body: MetadataCreate, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    return await svc.knowledge.create_metadata_field(key.workspace_id, dataset_id, body.type, body.name)


@router.get(f"{_META}/built-in", summary="The built-in metadata fields")
async def built_in_metadata(dataset_id: str, key: DatasetKeyDep, svc: ServicesDep) -> dict[str, Any]:
    await svc.knowledge.list_metadata_fields(key.workspace_id, dataset_id)  # 404 for another's dataset
    return {"fields": _BUILT_IN}


@router.post(f"{_META}/built-in/{{action}}", summary="Enable or disable the built-in metadata")
async def toggle_built_in(
    dataset_id: str, action: str, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    if action not in ("enable", "disable"):
        raise ApiError(400, "invalid_action", f"Invalid action: {action}")
    await svc.knowledge.set_built_in_metadata(key.workspace_id, dataset_id, action == "enable")
    return {"result": "success"}


@router.patch(f"{_META}/{{metadata_id}}", summary="Rename a metadata field")
async def update_metadata(
    dataset_id: str, metadata_id: str, body: MetadataRename, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    return await svc.knowledge.update_metadata_field(key.workspace_id, dataset_id, metadata_id, body.name)


@router.delete(f"{_META}/{{metadata_id}}", status_code=204, summary="Delete a metadata field")
async def delete_metadata(
    dataset_id: str, metadata_id: str, key: DatasetKeyDep, svc: ServicesDep
) -> Response:
    await svc.knowledge.delete_metadata_field(key.workspace_id, dataset_id, metadata_id)
    return Response(status_code=204)


@router.post("/datasets/{dataset_id}/documents/metadata", summary="Set documents' metadata values")
async def documents_metadata(
    dataset_id: str, body: DocumentsMetadata, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    operations = []
    for op in body.operation_data:
        operation = op.model_dump(exclude={"partial_update"})
        if op.partial_update:  # the backends replace a document's values: merge the current ones in
            try:
                current = await svc.knowledge.get_document(key.workspace_id, dataset_id, op.document_id)
            except ApiError:
                current = {}  # the backend reports the unknown dataset or document
            given = {item.id for item in op.metadata_list}
            kept = [
                {"id": m["id"], "name": m["name"], "value": m.get("value")}
                for m in current.get("doc_metadata") or []
                if m.get("id") not in given and m.get("id") != "built-in"
            ]
            operation["metadata_list"] = kept + operation["metadata_list"]
        operations.append(operation)
    await svc.knowledge.update_documents_metadata(key.workspace_id, dataset_id, operations)
    return {"result": "success"}
