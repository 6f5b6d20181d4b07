"""The knowledge-retrieval workflow node (and the v2 variant): a ``NodeTaskRequested`` in, a result out.

Output ``result`` is Dify's list of retrieval objects (content, title, metadata with score and the
dataset/document/segment ids that chatflows turn into ``retriever_resources`` citations).
"""

from __future__ import annotations

import time
from typing import Any

from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.rag.errors import KnowledgeError
from riverflow.rag.retrieval import DatasetRetriever, RetrievedItem
from riverflow.rag.retrieval_model import RetrievalSpec, parse_retrieval_model

__all__ = ["run_node_task", "result_objects"]


def _query(task: NodeTaskRequested) -> str:
    """The engine resolves ``query_variable_selector`` into ``inputs['query']``."""
    value = task.inputs.get("query")
    if value is None:
        selector = task.data.get("query_variable_selector") or []
        value = task.inputs.get(".".join(map(str, selector))) if selector else None
    if not isinstance(value, str):
        raise KnowledgeError("invalid_param", "the query variable is missing or not a string", 400)
    return value


def _spec(data: dict[str, Any], fallback: dict[str, Any]) -> RetrievalSpec:
    raw: dict[str, Any] = {}
    if data.get("retrieval_mode", "multiple") == "multiple":
        config = data.get("multiple_retrieval_config") or {}
        raw["top_k"] = config.get("top_k")
        if config.get("score_threshold") is not None:
            raw.update(score_threshold_enabled=True, score_threshold=config["score_threshold"])
        if (
            config.get("reranking_enable")
            and config.get("reranking_mode", "reranking_model") == "reranking_model"
        ):
            model = config.get("reranking_model") or {}
            raw.update(
                reranking_enable=True,
                reranking_mode="reranking_model",
                reranking_model={
                    "reranking_provider_name": model.get("provider", ""),
                    "reranking_model_name": model.get("model", ""),
                },
            )
        elif config.get("weights"):
            raw.update(
                search_method="hybrid_search", weights=config["weights"], reranking_mode="weighted_score"
            )
    if data.get("metadata_filtering_mode") == "manual" and data.get("metadata_filtering_conditions"):
        raw["metadata_filtering_conditions"] = data["metadata_filtering_conditions"]
    return parse_retrieval_model({k: v for k, v in raw.items() if v is not None}, fallback)


def result_objects(items: list[RetrievedItem], retriever_from: str = "workflow") -> list[dict[str, Any]]:
    out = []
    for position, item in enumerate(items, start=1):
        seg, doc, dataset = item.segment, item.document, item.dataset
        content = f"question:{seg.content} answer:{seg.answer}" if seg.answer else seg.content
        out.append(
            {
                "metadata": {
                    "_source": "knowledge",
                    "position": position,
                    "dataset_id": dataset.id,
                    "dataset_name": dataset.name,
                    "document_id": doc.id,
                    "document_name": doc.name,
                    "data_source_type": doc.data_source_type,
                    "document_data_source_type": doc.data_source_type,
                    "segment_id": seg.id,
                    "retriever_from": retriever_from,
                    "score": round(item.score, 6),
                    "child_chunks": [
                        {"id": k.id, "content": k.content, "position": k.position, "score": round(s, 6)}
                        for k, s in item.child_chunks
                    ],
                    "segment_hit_count": seg.hit_count + 1,
                    "segment_word_count": seg.word_count,
                    "segment_position": seg.position,
                    "segment_index_node_hash": seg.index_node_hash,
                    "doc_metadata": doc.doc_metadata or {},
                },
                "title": doc.name,
                "content": content,
            }
        )
    return out


async def run_node_task(task: NodeTaskRequested, retriever: DatasetRetriever) -> NodeTaskResult:
    started = time.perf_counter()
    base = {
        "event_id": task.idempotency_key,
        "run_id": task.run_id,
        "node_id": task.node_id,
        "attempt": task.attempt,
    }
    try:
        query = _query(task)
        if task.node_type == "knowledge-retrieval-v2":
            ids = list(
                dict.fromkeys(
                    str(i).strip() for i in task.data.get("control_space_ids") or [] if str(i).strip()
                )
            )
            if not 1 <= len(ids) <= 10:
                raise KnowledgeError("invalid_param", "control_space_ids must name 1 to 10 spaces", 400)
            datasets = await retriever.datasets(task.workspace_id, ids, strict=True)  # fails closed
            spec = parse_retrieval_model(
                {"top_k": task.data.get("top_n") or None}, datasets[0].retrieval_model
            )
        else:
            ids = [str(i) for i in task.data.get("dataset_ids") or []]
            # Like Dify, datasets that are gone are skipped; none at all gives an empty result.
            datasets = await retriever.datasets(task.workspace_id, ids, strict=False)
            spec = _spec(task.data, datasets[0].retrieval_model if datasets else {})
        items = await retriever.retrieve(datasets, query, spec) if datasets and query.strip() else []
    except KnowledgeError as exc:
        return NodeTaskResult(**base, status="failed", error=exc.message, error_type=exc.code, at=time.time())
    outputs: dict[str, Any] = {"result": result_objects(items)}
    if task.node_type == "knowledge-retrieval-v2":
        outputs["metrics"] = {
            "returned": len(items),
            "latency_ms": round((time.perf_counter() - started) * 1000, 3),
        }
    return NodeTaskResult(
        **base,
        status="succeeded",
        outputs=outputs,
        process_data={
            "query": query,
            "dataset_ids": [d.id for d in datasets],
            "search_method": spec.search_method,
        },
        metadata={"latency_ms": round((time.perf_counter() - started) * 1000, 3)},
        at=time.time(),
    )
