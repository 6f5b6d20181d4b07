"""Knowledge API: one document or segment, documents updated in place, batch status actions."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field
from riverflow.gateway.api.deps import DatasetKeyDep, ServicesDep
from riverflow.gateway.errors import ApiError
from riverflow.gateway.knowledge_port import DocumentFile
from starlette.datastructures import UploadFile

__all__ = ["router", "read_upload"]

router = APIRouter(tags=["knowledge"])  # included by knowledge.router (prefix /v1)
_DOC = "/datasets/{dataset_id}/documents/{document_id}"


class DocumentTextUpdate(BaseModel):
    model_config = ConfigDict(extra="allow")

    name: str | None = Field(default=None, min_length=1, max_length=255)
    text: str | None = None
    process_rule: dict[str, Any] | None = None
    doc_form: Literal["text_model", "hierarchical_model", "qa_model"] | None = None
    doc_language: str | None = None
    retrieval_model: dict[str, Any] | None = None
    embedding_model: str | None = None
    embedding_model_provider: str | None = None


class DocumentIds(BaseModel):
    document_ids: list[str] = Field(min_length=1)


async def read_upload(request: Request, limit_mb: int) -> tuple[DocumentFile, dict[str, Any]]:
    """The multipart ``file`` and the ``data`` JSON (a plain field, or a part with a filename as some
    clients send it)."""
    file, config = await read_form(request, limit_mb)
    if file is None:
        raise ApiError(400, "no_file_uploaded", "Please upload your file.")
    return file, config


async def read_form(request: Request, limit_mb: int) -> tuple[DocumentFile | None, dict[str, Any]]:
    """As ``read_upload``, the file being optional (an update may change only the settings); a form
    without a file may also come URL-encoded."""
    kind = request.headers.get("content-type", "").lower()
    if not kind.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        raise ApiError(400, "no_file_uploaded", "Please upload your file.")
    form = await request.form()
    if len(form.getlist("file")) > 1:
        raise ApiError(400, "too_many_files", "Only one file is allowed.")
    upload = form.get("file")
    if upload is not None and not isinstance(upload, UploadFile):
        raise ApiError(400, "no_file_uploaded", "Please upload your file.")
    if upload is not None and not upload.filename:
        raise ApiError(400, "filename_not_exists_error", "The specified filename does not exist.")
    raw = form.get("data")
    if isinstance(raw, UploadFile):
        raw = (await raw.read(1024 * 1024)).decode("utf-8", "replace")
    try:
        config = json.loads(raw) if isinstance(raw, str) and raw.strip() else {}
    except ValueError:
        raise ApiError(400, "invalid_param", "data must be a JSON object string.", params="data") from None
    if not isinstance(config, dict):
        raise ApiError(400, "invalid_param", "data must be a JSON object string.", params="data")
    if upload is None:
        return None, config
    limit = limit_mb * 1024 * 1024
    content = await upload.read(limit + 1)
    if len(content) > limit:
        raise ApiError(413, "file_too_large", f"File size exceeded. {upload.filename} > {limit_mb} MB")
    return DocumentFile(upload.filename, upload.content_type or "application/octet-stream", content), config


@router.get(_DOC, summary="A document")
async def get_document(
    dataset_id: str,
    document_id: str,
    key: DatasetKeyDep,
    svc: ServicesDep,
    metadata: Annotated[str, Query()] = "all",
) -> dict[str, Any]:
    if metadata not in ("all", "only", "without"):
        raise ApiError(400, "invalid_metadata", f"Invalid metadata value: {metadata}")
    document = await svc.knowledge.get_document(key.workspace_id, dataset_id, document_id)
    if metadata == "only":
        return {"id": document["id"], "doc_type": None, "doc_metadata": document.get("doc_metadata") or []}
    if metadata == "without":
        document.pop("doc_metadata", None)
    # The detail's own fields (Dify's document_with_segments shape), on top of the list's Document.
    found = await svc.knowledge.list_segments(
        key.workspace_id, dataset_id, document_id, page=1, limit=1, keyword=None
    )
    count = found[1] if found else 0
    words = int(document.get("word_count") or 0)
    document.setdefault("doc_type", None)
    document.setdefault("segment_count", count)
    document.setdefault("average_segment_length", words // count if count else 0)
    return document


@router.get(f"{_DOC}/segments/{{segment_id}}", summary="A chunk")
async def get_segment(
    dataset_id: str, document_id: str, segment_id: str, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    return await svc.knowledge.get_segment(key.workspace_id, dataset_id, document_id, segment_id)


@router.post(f"{_DOC}/update-by-text", summary="Replace a document's text (re-indexed in place)")
async def update_by_text(
    dataset_id: str, document_id: str, body: DocumentTextUpdate, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    config = body.model_dump(exclude_none=True)
    name, text = config.pop("name", None), config.pop("text", None)
    if text is not None and name is None:
        raise ApiError(400, "invalid_param", "name is required when text is provided.", params="name")
    return await svc.knowledge.update_document(
        key.workspace_id, dataset_id, document_id, name=name, config=config, text=text
    )


@router.post(
    f"{_DOC}/update-by-file", summary="Replace a document's file (re-indexed), or only its name and settings"
)
async def update_by_file(
    dataset_id: str, document_id: str, request: Request, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    # As in Dify, the file is optional: without one only the name and settings change.
    file, config = await read_form(request, svc.settings.file_size_limit_mb)
    name = config.pop("name", None)
    return await svc.knowledge.update_document(
        key.workspace_id,
        dataset_id,
        document_id,
        name=str(name) if name else None,
        config=config,
        file=file,
    )


@router.patch(
    "/datasets/{dataset_id}/documents/status/{action}", summary="Enable, disable or archive documents"
)
async def documents_status(
    dataset_id: str, action: str, body: DocumentIds, key: DatasetKeyDep, svc: ServicesDep
) -> dict[str, Any]:
    await svc.knowledge.set_documents_status(key.workspace_id, dataset_id, action, body.document_ids)
    return {"result": "success"}


for path, endpoint in (
    (f"{_DOC}/update_by_text", update_by_text),
    (f"{_DOC}/update_by_file", update_by_file),
):
    router.add_api_route(path, endpoint, methods=["POST"], include_in_schema=False)
# Dify's canonical file update (update-by-file is its deprecated spelling).
router.add_api_route(_DOC, update_by_file, methods=["PATCH"], include_in_schema=False)
