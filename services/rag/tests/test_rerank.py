"""Reranking through litellm's rerank API, against the project's mock rerank model over real HTTP.

No local cross-encoder ships offline (flashrank, for one, downloads its model from a hub at run time),
so reranking is always a litellm rerank model; the mock scores by word overlap (see
``riverflow.mockllm.rerank``), which makes the expected order checkable.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as r
from riverflow.contracts.grpc.rag.v1 import retrieval_pb2, retrieval_pb2_grpc
from riverflow.mockllm import MockConfig, MockServer
from riverflow.rag.datasets import DatasetService
from riverflow.rag.documents import DocumentService
from riverflow.rag.node_task import run_node_task
from riverflow.rag.rerank import LiteLLMReranker
from riverflow.rag.retrieval import DatasetRetriever
from riverflow.rag.retrieval_model import parse_retrieval_model

from .conftest import Rag

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # offline: the bundled cost map
import litellm  # noqa: E402, F401 - imported at collection: slow, and must not count against a test

LINES = [
    "Glaciers carve valleys as they slide.",
    "Rivers carry sand to the delta.",
    "Glaciers are rivers of ice that carry rocks to the sea.",
]
JINA = {"reranking_provider_name": "langgenius/jina/jina", "reranking_model_name": "jina-reranker-v2"}


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(MockConfig()) as server:
        yield server


async def _dataset(rag: Rag, mock: MockServer) -> str:
    rag.components.rerankers = lambda provider, model: LiteLLMReranker(
        provider, model, mock.base_url, "sk-mock"
    )
    ds = await DatasetService(rag.components).create("ws", "u", {"name": "ice"})
    await DocumentService(rag.components).create(
        "ws",
        "u",
        ds.row.id,
        name="ice.txt",
        content="\n".join(LINES).encode(),
        filename="ice.txt",
        mime_type="text/plain",
        settings={"indexing_technique": "high_quality"},
        from_text=True,
    )
    await rag.queue.drain()
    return ds.row.id


def _rerank_calls(mock: MockServer) -> list[dict]:
    return [c["body"] for c in mock.ledger.requests if c["path"] == "/v1/rerank"]


async def test_retrieval_reranks_with_the_litellm_model(rag: Rag, mock: MockServer) -> None:
    dataset_id = await _dataset(rag, mock)
    retriever = DatasetRetriever(rag.components)
    (dataset,) = await retriever.datasets("ws", [dataset_id], strict=True)
    spec = parse_retrieval_model(
        {"search_method": "full_text_search", "top_k": 2, "reranking_enable": True, "reranking_model": JINA}
    )
    before = len(_rerank_calls(mock))
    items = await retriever.retrieve([dataset], "glaciers ice rocks slide", spec)
    # The mock's score is the share of query words in the chunk: line 2 has three of four, line 0 two.
    assert [i.segment.content for i in items] == [LINES[2], LINES[0]]
    assert [i.score for i in items] == [0.75, 0.5]
    (call,) = _rerank_calls(mock)[before:]
    assert call["model"] == "jina-reranker-v2"  # Dify's "langgenius/jina/jina" is litellm's jina_ai
    assert call["query"] == "glaciers ice rocks slide" and set(call["documents"]) == {LINES[0], LINES[2]}


async def test_grpc_retrieve_and_the_node_rerank(rag: Rag, mock: MockServer, channel) -> None:
    dataset_id = await _dataset(rag, mock)
    response = await retrieval_pb2_grpc.RetrievalStub(channel).Retrieve(
        retrieval_pb2.RetrieveRequest(
            workspace_id="ws",
            dataset_ids=[dataset_id],
            query="rivers of ice",
            retrieval_model=r.RetrievalModel(
                search_method="semantic_search",
                top_k=1,
                reranking_enable=True,
                reranking_model=r.RerankingModel(**JINA),
            ),
        )
    )
    assert [(rec.content, rec.score) for rec in response.records] == [(LINES[2], 1.0)]
    task = NodeTaskRequested(
        run_id="run-1",
        node_id="kr",
        node_type="knowledge-retrieval",
        attempt=1,
        idempotency_key="run-1:kr:1",
        data={
            "dataset_ids": [dataset_id],
            "retrieval_mode": "multiple",
            "multiple_retrieval_config": {
                "top_k": 1,
                "reranking_enable": True,
                "reranking_mode": "reranking_model",
                "reranking_model": {"provider": "langgenius/jina/jina", "model": "jina-reranker-v2"},
            },
        },
        inputs={"query": "sand in the delta"},
        at=time.time(),
        workspace_id="ws",
    )
    result = await run_node_task(task, DatasetRetriever(rag.components))
    assert result.status == "succeeded", result.error
    (top,) = result.outputs["result"]
    assert top["content"] == LINES[1] and top["metadata"]["score"] == 0.75
