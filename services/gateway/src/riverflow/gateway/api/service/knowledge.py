"""Knowledge API (dataset keys, scoped to the key's workspace): datasets, documents, segments,
retrieval. The behaviour is the rag service's, behind ``KnowledgeBackend``."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import Response
from riverflow.gateway.api.deps import DatasetKeyDep, ServicesDep
from riverflow.gateway.api.service import knowledge_child_chunks, knowledge_documents, knowledge_labels
from riverflow.gateway.api.service.knowledge_bodies import (
    DatasetCreate,
    DatasetUpdate,
    DocumentByText,
    RetrieveBody,
    SegmentsCreate,
    SegmentUpdate,
)
from riverflow.gateway.errors import ApiError

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["knowledge"])
# First: "/datasets/tags" and "/documents/status/..." must win over "/datasets/{dataset_id}" and friends.
for _part in (knowledge_labels, knowledge_documents, knowledge_child_chunks):
    router.include_router(_part.router, prefix="")

Page = Annotated[int, Query(ge=1, le=99999)]
Limit = Annotated[int, Query(ge=1, le=100)]


def _fields(body: Any) -> dict[str, Any]:
    return body.model_dump(exclude_none=True)


def _paged(found: tuple[list[dict[str, Any]], int], page: int, limit: int) -> dict[str, Any]:
    items, total = found
    return {"data": items, "has_more": page * limit < total, "limit": limit, "total": total, "page": page}


def _dataset_missing() -> ApiError:
    return ApiError(404, "not_found", "Dataset not found.")


@router.post("/datasets", summary="Create an empty knowledge base")
async def create_dataset(body: DatasetCreate, key: DatasetKeyDep, svc: ServicesDep) -> dict[str, Any]:
    return await svc.knowledge.create_dataset(key.workspace_id, _fields(body))


@router.get("/datasets", summary="The workspace's knowledge bases")
async def list_datasets(
    key: DatasetKeyDep,
    svc: ServicesDep,
    page: Page = 1,
    limit: Limit = 20,
    keyword: str | None = None,
    tag_ids: Annotated[list[str] | None, Query()] = None,
) -> dict[str, Any]:
    found = await svc.knowledge.list_datasets(
        key.workspace_id, page=page, limit=limit, keyword=keyword, tag_ids=tag_ids
    )
    return _paged(found, page, limit)


@router.get("/datasets/{dataset_id}", summary="A knowledge base")
async def get_dataset(dataset_id: str, key: DatasetKeyDep, svc: ServicesDep) -> dict[str, Any]:
    found = await svc.knowledge.get_dataset(key.workspace_id, dataset_id)
    if found is None:
        raise _dataset_missing()
    return found


@router.patch("/datasets/{dataset_id}", summary="Update a knowledge base")
async def update_dataset(
    dataset_id: str, body: DatasetUpdate, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    found = await svc.knowledge.update_dataset(key.workspace_id, dataset_id, _fields(body))
    if found is None:
        raise _dataset_missing()
    return found


@router.delete("/datasets/{dataset_id}", status_code=204, summary="Delete a knowledge base")
async def delete_dataset(dataset_id: str, key: DatasetKeyDep, svc: ServicesDep) -> Response:
    if not await svc.knowledge.delete_dataset(key.workspace_id, dataset_id):
        raise _dataset_missing()
    return Response(status_code=204)


async def _create_document(
    svc: Any, workspace_id: str, dataset_id: str, name: str, config: dict, **source: Any
) -> dict:
    config.setdefault("process_rule", {"mode": "automatic"})
    created = await svc.knowledge.create_document(
        workspace_id, dataset_id, name=name, config=config, **source
    )
    if created is None:
        raise _dataset_missing()
    return created


@router.post("/datasets/{dataset_id}/document/create-by-text", summary="Add a document from text")
async def create_by_text(
    dataset_id: str, body: DocumentByText, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    config = _fields(body)
    name, text = config.pop("name"), config.pop("text")
    return await _create_document(svc, key.workspace_id, dataset_id, name, config, text=text)


@router.post("/datasets/{dataset_id}/document/create-by-file", summary="Add a document from a file")
async def create_by_file(
    dataset_id: str, request: Request, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    file, config = await knowledge_documents.read_upload(request, svc.settings.file_size_limit_mb)
    name = str(config.pop("name", None) or file.filename)
    return await _create_document(svc, key.workspace_id, dataset_id, name, config, file=file)


@router.get("/datasets/{dataset_id}/documents", summary="A knowledge base's documents")
async def list_documents(
    dataset_id: str,
    key: DatasetKeyDep,
    svc: ServicesDep,
    page: Page = 1,
    limit: Limit = 20,
    keyword: str | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    found = await svc.knowledge.list_documents(
        key.workspace_id, dataset_id, page=page, limit=limit, keyword=keyword
    )
    if found is None:
        raise _dataset_missing()
    if status:
        found = ([d for d in found[0] if d.get("display_status") == status], found[1])
    return _paged(found, page, limit)


@router.get(
    "/datasets/{dataset_id}/documents/{batch}/indexing-status", summary="Indexing progress of a batch"
)
async def indexing_status(
    dataset_id: str, batch: str, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    found = await svc.knowledge.indexing_status(key.workspace_id, dataset_id, batch)
    if found is None:
        raise _dataset_missing()
    if not found:
        raise ApiError(404, "not_found", "Documents not found.")
    return {"data": found}


@router.delete("/datasets/{dataset_id}/documents/{document_id}", status_code=204, summary="Delete a document")
async def delete_document(
    dataset_id: str, document_id: str, key: DatasetKeyDep, svc: ServicesDep
) -> Response:
    if await svc.knowledge.get_dataset(key.workspace_id, dataset_id) is None:
        raise _dataset_missing()
    if not await svc.knowledge.delete_document(key.workspace_id, dataset_id, document_id):
        raise ApiError(404, "not_found", "Document Not Exists.")
    return Response(status_code=204)


async def _doc_form(svc: Any, workspace_id: str, dataset_id: str) -> str:
    dataset = await svc.knowledge.get_dataset(workspace_id, dataset_id)
    if dataset is None:
        raise _dataset_missing()
    return str(dataset.get("doc_form") or "text_model")


@router.post("/datasets/{dataset_id}/documents/{document_id}/segments", summary="Add chunks to a document")
async def create_segments(
    dataset_id: str, document_id: str, body: SegmentsCreate, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    doc_form = await _doc_form(svc, key.workspace_id, dataset_id)
    items = [s.model_dump(exclude_none=True) for s in body.segments]
    created = await svc.knowledge.create_segments(key.workspace_id, dataset_id, document_id, items)
    if created is None:
        raise ApiError(404, "not_found", "Document is not completed or is disabled.")
    return {"data": created, "doc_form": doc_form}


@router.get("/datasets/{dataset_id}/documents/{document_id}/segments", summary="A document's chunks")
async def list_segments(
    dataset_id: str,
    document_id: str,
    key: DatasetKeyDep,
    svc: ServicesDep,
    page: Page = 1,
    limit: Limit = 20,
    keyword: str | None = None,
) -> dict[str, Any]:
    doc_form = await _doc_form(svc, key.workspace_id, dataset_id)
    found = await svc.knowledge.list_segments(
        key.workspace_id, dataset_id, document_id, page=page, limit=limit, keyword=keyword
    )
    if found is None:
        raise ApiError(404, "not_found", "Document not found.")
    return {**_paged(found, page, limit), "doc_form": doc_form}


@router.post("/datasets/{dataset_id}/documents/{document_id}/segments/{segment_id}", summary="Update a chunk")
async def update_segment(
    dataset_id: str,
    document_id: str,
    segment_id: str,
    body: SegmentUpdate,
    key: DatasetKeyDep,
    svc: ServicesDep,
) -> dict[str, Any]:
    doc_form = await _doc_form(svc, key.workspace_id, dataset_id)
    fields = body.segment.model_dump(exclude_none=True)
    found = await svc.knowledge.update_segment(key.workspace_id, dataset_id, document_id, segment_id, fields)
    if found is None:
        raise ApiError(404, "not_found", "Segment not found.")
    return {"data": found, "doc_form": doc_form}


@router.delete(
    "/datasets/{dataset_id}/documents/{document_id}/segments/{segment_id}",
    status_code=204,
    summary="Delete a chunk",
)
async def delete_segment(
    dataset_id: str, document_id: str, segment_id: str, key: DatasetKeyDep, svc: ServicesDep
) -> Response:
    await _doc_form(svc, key.workspace_id, dataset_id)
    if not await svc.knowledge.delete_segment(key.workspace_id, dataset_id, document_id, segment_id):
        raise ApiError(404, "not_found", "Segment not found.")
    return Response(status_code=204)


@router.post("/datasets/{dataset_id}/retrieve", summary="Retrieve chunks matching a query")
async def retrieve(
    dataset_id: str, body: RetrieveBody, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    records = await svc.knowledge.retrieve(key.workspace_id, dataset_id, body.query, body.retrieval_model)
    if records is None:
        raise _dataset_missing()
    return {"query": {"content": body.query}, "records": records}


@router.get("/workspaces/current/models/model-types/text-embedding", summary="Embedding models available")
async def embedding_models(key: DatasetKeyDep) -> dict[str, Any]:
    return {"data": []}


# Spellings other clients use for the same operations (dify-service-api.md §6).
for path, endpoint in (
    ("/datasets/{dataset_id}/document/create_by_text", create_by_text),
    ("/datasets/{dataset_id}/document/create_by_file", create_by_file),
    ("/datasets/{dataset_id}/hit-testing", retrieve),
):
    router.add_api_route(path, endpoint, methods=["POST"], include_in_schema=False)
