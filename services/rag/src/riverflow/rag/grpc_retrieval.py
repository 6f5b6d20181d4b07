"""``riverflow.rag.v1.Retrieval``: Dify's retrieve / hit-testing over one or more datasets."""

from __future__ import annotations

from typing import Any

import grpc
from riverflow.contracts.grpc.rag.v1 import retrieval_pb2, retrieval_pb2_grpc
from riverflow.rag.components import RagComponents
from riverflow.rag.errors import invalid_param
from riverflow.rag.grpc_errors import dify_errors
from riverflow.rag.grpc_mapping import child_pb, segment_pb, struct, to_dict
from riverflow.rag.node_task import result_objects
from riverflow.rag.retrieval import MAX_QUERY_CHARS, DatasetRetriever
from riverflow.rag.retrieval_model import parse_retrieval_model

__all__ = ["RetrievalServicer"]


class RetrievalServicer(retrieval_pb2_grpc.RetrievalServicer):
    def __init__(self, c: RagComponents) -> None:
        self._retriever = DatasetRetriever(c)

    @dify_errors
    async def Retrieve(
        self, request: retrieval_pb2.RetrieveRequest, context: grpc.aio.ServicerContext
    ) -> Any:  # noqa: N802
        if not request.query.strip():
            raise invalid_param("query is required")
        if len(request.query) > MAX_QUERY_CHARS:
            raise invalid_param(f"query must be at most {MAX_QUERY_CHARS} characters")
        if not request.dataset_ids:
            raise invalid_param("dataset_ids is required")
        datasets = await self._retriever.datasets(
            request.workspace_id, list(request.dataset_ids), strict=True
        )
        raw: dict[str, Any] = to_dict(request.retrieval_model) if request.HasField("retrieval_model") else {}
        if not raw:
            raw = {"search_method": request.search_method or None, "top_k": request.top_k or None}
            if request.HasField("score_threshold"):
                raw.update(score_threshold_enabled=True, score_threshold=request.score_threshold)
        spec = parse_retrieval_model(raw, datasets[0].retrieval_model)
        items = await self._retriever.retrieve(datasets, request.query, spec)
        response = retrieval_pb2.RetrieveResponse(query=request.query)
        for item, obj in zip(items, result_objects(items, retriever_from="api"), strict=True):
            seg, doc = item.segment, item.document
            response.records.append(
                retrieval_pb2.RetrievedRecord(
                    segment_id=seg.id,
                    document_id=doc.id,
                    dataset_id=item.dataset.id,
                    content=obj["content"],
                    score=item.score,
                    metadata=struct(obj["metadata"]),
                    segment=segment_pb(seg),
                    document=retrieval_pb2.RetrievedDocument(
                        id=doc.id,
                        name=doc.name,
                        data_source_type=doc.data_source_type,
                        doc_metadata=struct(doc.doc_metadata),
                    ),
                    child_chunks=[child_pb(k, s) for k, s in item.child_chunks],
                    dataset_name=item.dataset.name,
                )
            )
        return response
