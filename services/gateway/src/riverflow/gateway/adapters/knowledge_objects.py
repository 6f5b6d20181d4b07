"""Dify's Knowledge API objects (Dataset, Document, Segment, indexing status) as the in-memory
backend keeps them; keys starting with ``_`` are the backend's own and never leave it."""

from __future__ import annotations

import hashlib
import re
import uuid
from typing import Any

__all__ = [
    "default_retrieval_model",
    "new_dataset",
    "new_document",
    "new_segment",
    "indexing_row",
    "BUILT_IN_TYPES",
    "built_in_metadata",
]

#: Dify's built-in metadata fields and their types (shown on documents when a dataset enables them).
BUILT_IN_TYPES = {
    "document_name": "string",
    "uploader": "string",
    "upload_date": "time",
    "last_update_date": "time",
    "source": "string",
}


def built_in_metadata(document: dict[str, Any]) -> list[dict[str, Any]]:
    """A document's built-in metadata items, as Dify lists them in its ``doc_metadata``."""
    values = {
        "document_name": document["name"],
        "uploader": document["created_by"],
        "upload_date": document["created_at"],
        "last_update_date": document.get("updated_at", document["created_at"]),
        "source": document["data_source_type"],
    }
    return [{"id": "built-in", "name": n, "type": BUILT_IN_TYPES[n], "value": v} for n, v in values.items()]


_WORD = re.compile(r"\w+", re.UNICODE)


def default_retrieval_model() -> dict[str, Any]:
    return {
        "search_method": "semantic_search",
        "reranking_enable": False,
        "reranking_model": None,
        "reranking_mode": None,
        "top_k": 2,
        "score_threshold_enabled": False,
        "score_threshold": None,
        "weights": None,
    }


def new_dataset(workspace_id: str, name: str, fields: dict[str, Any], now: int) -> dict[str, Any]:
    dataset: dict[str, Any] = {
        "_workspace": workspace_id,
        "id": str(uuid.uuid4()),
        "name": name,
        "description": fields.get("description") or "",
        "provider": fields.get("provider") or "vendor",
        "permission": fields.get("permission") or "only_me",
        "data_source_type": None,
        "indexing_technique": fields.get("indexing_technique"),
        "app_count": 0,
        "document_count": 0,
        "word_count": 0,
        "created_by": "api",
        "author_name": "api",
        "created_at": now,
        "updated_by": "api",
        "updated_at": now,
        "embedding_model": fields.get("embedding_model"),
        "embedding_model_provider": fields.get("embedding_model_provider"),
        "embedding_available": True,
        "retrieval_model_dict": fields.get("retrieval_model") or default_retrieval_model(),
        "tags": [],
        "doc_form": None,
        "external_knowledge_info": None,
        "external_retrieval_model": None,
        "doc_metadata": [],
        "built_in_field_enabled": False,
        "enable_api": True,
        "is_multimodal": False,
        "runtime_mode": "general",
        "chunk_structure": None,
        "icon_info": None,
        "is_published": False,
        "pipeline_id": None,
        "summary_index_setting": fields.get("summary_index_setting"),
    }
    dataset["retrieval_model"] = dataset["retrieval_model_dict"]
    return dataset


def new_document(
    dataset_id: str, name: str, length: int, doc_form: str, position: int, now: int
) -> dict[str, Any]:
    document: dict[str, Any] = {
        "_dataset": dataset_id,
        "_batch": f"{now}{uuid.uuid4().int % 10**6:06d}",
        "id": str(uuid.uuid4()),
        "position": position,
        "data_source_type": "upload_file",
        "data_source_info": None,
        "data_source_detail_dict": None,
        "dataset_process_rule_id": None,
        "name": name,
        "created_from": "api",
        "created_by": "api",
        "created_at": now,
        "tokens": 0,
        "indexing_status": "completed",
        "error": None,
        "enabled": True,
        "disabled_at": None,
        "disabled_by": None,
        "archived": False,
        "display_status": "available",
        "word_count": length,
        "hit_count": 0,
        "doc_form": doc_form,
        "doc_metadata": [],
        "summary_index_status": None,
        "need_summary": False,
        "completed_at": now,
    }
    return document


def new_segment(
    dataset_id: str, document_id: str, position: int, item: dict[str, Any], now: int
) -> dict[str, Any]:
    content = str(item.get("content") or "")
    segment: dict[str, Any] = {
        "_dataset": dataset_id,
        "id": str(uuid.uuid4()),
        "position": position,
        "document_id": document_id,
        "content": content,
        "sign_content": content,
        "answer": item.get("answer"),
        "word_count": len(content),
        "tokens": len(_WORD.findall(content)),
        "keywords": list(item.get("keywords") or []),
        "index_node_id": str(uuid.uuid4()),
        "index_node_hash": hashlib.sha256(content.encode()).hexdigest(),
        "hit_count": 0,
        "enabled": True,
        "disabled_at": None,
        "disabled_by": None,
        "status": "completed",
        "created_by": "api",
        "created_at": now,
        "updated_at": now,
        "updated_by": "api",
        "indexing_at": now,
        "completed_at": now,
        "error": None,
        "stopped_at": None,
        "child_chunks": [],
        "attachments": [],
        "summary": None,
    }
    return segment


def indexing_row(doc: dict[str, Any], segments: int) -> dict[str, Any]:
    at = float(doc["created_at"])
    return {
        "id": doc["id"],
        "indexing_status": doc["indexing_status"],
        "processing_started_at": at,
        "parsing_completed_at": at,
        "cleaning_completed_at": at,
        "splitting_completed_at": at,
        "completed_at": float(doc["completed_at"]),
        "paused_at": None,
        "error": None,
        "stopped_at": None,
        "completed_segments": segments,
        "total_segments": segments,
    }
