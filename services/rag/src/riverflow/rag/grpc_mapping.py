"""Rows to protobuf messages and protobuf requests to Dify-shaped dicts, for the gRPC servicers."""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format
from google.protobuf.message import Message
from google.protobuf.struct_pb2 import Struct, Value
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as pb
from riverflow.rag.datasets import DatasetView
from riverflow.rag.db import ChildChunkRow, DocumentRow, MetadataFieldRow, SegmentRow, TagRow
from riverflow.rag.documents import display_status
from riverflow.rag.metadata_fields import document_metadata_items

__all__ = [
    "to_dict",
    "dataset_pb",
    "document_pb",
    "status_pb",
    "segment_pb",
    "child_pb",
    "field_pb",
    "tag_pb",
    "struct",
    "from_dict",
]


def to_dict(message: Message) -> dict[str, Any]:
    """A request sub-message as Dify's JSON (field names as declared; unset fields absent)."""
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def _strip_none(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_strip_none(v) for v in value if v is not None]
    return value


def from_dict(value: dict[str, Any], message: Message) -> Message:
    return json_format.ParseDict(_strip_none(value), message, ignore_unknown_fields=True)


def struct(value: dict[str, Any] | None) -> Struct:
    out = Struct()
    if value:
        out.update(_strip_none(value))
    return out


def dataset_pb(view: DatasetView) -> pb.Dataset:
    r = view.row
    return pb.Dataset(
        id=r.id,
        name=r.name,
        description=r.description,
        provider=r.provider,
        permission=r.permission,
        data_source_type="upload_file" if view.document_count else "",
        indexing_technique=r.indexing_technique,
        app_count=0,
        document_count=view.document_count,
        word_count=view.word_count,
        created_by=r.created_by,
        created_at=r.created_at,
        updated_by=r.updated_by,
        updated_at=r.updated_at,
        embedding_model=r.embedding_model,
        embedding_model_provider=r.embedding_model_provider,
        embedding_available=True,
        retrieval_model_dict=from_dict(r.retrieval_model or {}, pb.RetrievalModel()),
        doc_form=r.doc_form,
        total_documents=view.document_count,
        total_available_documents=view.available_documents,
        enable_api=True,
        workspace_id=r.workspace_id,
        doc_metadata=[field_pb(f) for f in view.fields],
        built_in_field_enabled=r.built_in_field_enabled,
        tags=[tag_pb(t) for t in view.tags],
    )


def field_pb(f: MetadataFieldRow, count: int = 0) -> pb.MetadataField:
    return pb.MetadataField(id=f.id, name=f.name, type=f.type, count=count)


def tag_pb(t: TagRow, binding_count: int = 0) -> pb.Tag:
    return pb.Tag(id=t.id, name=t.name, type=t.type, binding_count=binding_count)


def _value(value: Any) -> Value:
    out = Value()
    json_format.ParseDict(value, out)
    return out


def document_pb(
    d: DocumentRow, fields: list[MetadataFieldRow] | None = None, built_in: bool = False
) -> pb.Document:
    """``fields``, the dataset's metadata fields, fill Dify's ``doc_metadata`` list."""
    items = [
        pb.DocumentMetadataItem(id=i["id"], name=i["name"], type=i["type"], value=_value(i["value"]))
        for i in document_metadata_items(d, fields or [], built_in)
    ]
    message = pb.Document(
        id=d.id,
        position=d.position,
        name=d.name,
        data_source_type=d.data_source_type,
        data_source_info=struct(d.data_source_info),
        dataset_process_rule_id="",
        created_from="api",
        created_by=d.created_by,
        created_at=d.created_at,
        tokens=d.tokens,
        indexing_status=d.indexing_status,
        error=d.error or "",
        enabled=d.enabled,
        disabled_by=d.disabled_by or "",
        archived=d.archived,
        display_status=display_status(d),
        word_count=d.word_count,
        hit_count=d.hit_count,
        doc_form=d.doc_form,
        batch=d.batch,
        process_rule=from_dict(d.process_rule or {}, pb.ProcessRule()),
        doc_metadata=struct(d.doc_metadata),
        doc_language=d.doc_language,
        dataset_id=d.dataset_id,
        doc_metadata_items=items,
    )
    if d.disabled_at is not None:
        message.disabled_at = d.disabled_at
    if d.completed_at is not None:
        message.completed_at = d.completed_at
    return message


def status_pb(d: DocumentRow) -> pb.IndexingStatus:
    message = pb.IndexingStatus(
        id=d.id,
        indexing_status=d.indexing_status,
        error=d.error or "",
        completed_segments=d.completed_segments,
        total_segments=d.total_segments,
    )
    for name in (
        "processing_started_at",
        "parsing_completed_at",
        "cleaning_completed_at",
        "splitting_completed_at",
        "completed_at",
        "paused_at",
        "stopped_at",
    ):
        value = getattr(d, name)
        if value is not None:
            setattr(message, name, value)
    return message


def child_pb(k: ChildChunkRow, score: float = 0.0) -> pb.ChildChunk:
    return pb.ChildChunk(
        id=k.id,
        segment_id=k.segment_id,
        content=k.content,
        position=k.position,
        word_count=k.word_count,
        created_at=k.created_at,
        updated_at=k.updated_at,
        type=k.type,
        score=score,
    )


def segment_pb(s: SegmentRow, children: list[ChildChunkRow] | None = None) -> pb.Segment:
    message = pb.Segment(
        id=s.id,
        position=s.position,
        document_id=s.document_id,
        content=s.content,
        sign_content=s.content,
        answer=s.answer,
        word_count=s.word_count,
        tokens=s.tokens,
        keywords=list(s.keywords or []),
        index_node_id=s.index_node_id,
        index_node_hash=s.index_node_hash,
        hit_count=s.hit_count,
        enabled=s.enabled,
        disabled_by=s.disabled_by or "",
        status=s.status,
        created_by=s.created_by,
        created_at=s.created_at,
        updated_at=s.updated_at,
        updated_by=s.updated_by,
        error=s.error or "",
        dataset_id=s.dataset_id,
        child_chunks=[child_pb(k) for k in children or []],
    )
    if s.disabled_at is not None:
        message.disabled_at = s.disabled_at
    if s.completed_at is not None:
        message.completed_at = s.completed_at
        message.indexing_at = s.created_at
    return message
