"""Knowledge API: child chunks of a parent-child document's chunk (re-embedded on every change)."""

from __future__ import annotations

import math
from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import Response
from pydantic import BaseModel, Field
from riverflow.gateway.api.deps import DatasetKeyDep, ServicesDep

__all__ = ["router"]

router = APIRouter(tags=["knowledge"])  # included by knowledge.router (prefix /v1)
_CHILDREN = "/datasets/{dataset_id}/documents/{document_id}/segments/{segment_id}/child_chunks"


class ChildChunkBody(BaseModel):
    content: str = Field(min_length=1)


@router.get(_CHILDREN, summary="A chunk's child chunks")
async def list_child_chunks(
    dataset_id: str,
    document_id: str,
    segment_id: str,
    key: DatasetKeyDep,
    svc: ServicesDep,
    page: Annotated[int, Query(ge=1, le=99999)] = 1,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
    keyword: str | None = None,
) -> dict[str, Any]:
    items, total = await svc.knowledge.list_child_chunks(
        key.workspace_id, dataset_id, document_id, segment_id, page=page, limit=limit, keyword=keyword
    )
    return {
        "data": items,
        "total": total,
        "total_pages": math.ceil(total / limit),
        "page": page,
        "limit": limit,
    }


@router.post(_CHILDREN, summary="Add a child chunk")
async def create_child_chunk(
    dataset_id: str,
    document_id: str,
    segment_id: str,
    body: ChildChunkBody,
    key: DatasetKeyDep,
    svc: ServicesDep,
) -> dict[str, Any]:
    child = await svc.knowledge.create_child_chunk(
        key.workspace_id, dataset_id, document_id, segment_id, body.content
    )
    return {"data": child}


@router.patch(f"{_CHILDREN}/{{child_chunk_id}}", summary="Update a child chunk")
async def update_child_chunk(
    dataset_id: str,
    document_id: str,
    segment_id: str,
    child_chunk_id: str,
    body: ChildChunkBody,
    key: DatasetKeyDep,
    svc: ServicesDep,
) -> dict[str, Any]:
    child = await svc.knowledge.update_child_chunk(
        key.workspace_id, dataset_id, document_id, segment_id, child_chunk_id, body.content
    )
    return {"data": child}


@router.delete(f"{_CHILDREN}/{{child_chunk_id}}", status_code=204, summary="Delete a child chunk")
async def delete_child_chunk(
    dataset_id: str,
    document_id: str,
    segment_id: str,
    child_chunk_id: str,
    key: DatasetKeyDep,
    svc: ServicesDep,
) -> Response:
    await svc.knowledge.delete_child_chunk(
        key.workspace_id, dataset_id, document_id, segment_id, child_chunk_id
    )
    return Response(status_code=204)
