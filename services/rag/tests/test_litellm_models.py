"""A dataset embedded by a litellm model: the project's OpenAI-compatible mock, over real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from riverflow.mockllm import MockConfig, MockServer
from riverflow.rag.datasets import DatasetService
from riverflow.rag.documents import DocumentService
from riverflow.rag.embedding.registry import EmbedderRegistry
from riverflow.rag.ports import SearchRequest
from riverflow.rag.retrieval import DatasetRetriever
from riverflow.rag.retrieval_model import parse_retrieval_model

from .conftest import Rag


@pytest.fixture(scope="module")
def mock() -> Iterator[MockServer]:
    with MockServer(MockConfig(embedding_dimensions=24)) as server:
        yield server


async def test_documents_and_queries_are_embedded_through_litellm(rag: Rag, mock: MockServer) -> None:
    rag.components.embedders = EmbedderRegistry(litellm_api_base=mock.base_url, litellm_api_key="sk-mock")
    ds = await DatasetService(rag.components).create(
        "ws",
        "u",
        {
            "name": "remote",
            "embedding_model_provider": "langgenius/openai/openai",
            "embedding_model": "text-embedding-3-small",
        },
    )
    assert (ds.row.embedding_model_provider, ds.row.embedding_model) == (
        "langgenius/openai/openai",
        "text-embedding-3-small",
    )
    await DocumentService(rag.components).create(
        "ws",
        "u",
        ds.row.id,
        name="n",
        content=b"Comets have icy tails.\nAsteroids are rocky.",
        filename="n.txt",
        mime_type="text/plain",
        settings={"indexing_technique": "high_quality"},
        from_text=True,
    )
    await rag.queue.drain()
    # The vectors are the mock's: 24 dimensions.
    assert (
        len(await rag.components.store.vector_search(SearchRequest((ds.row.id,), top_k=5, vector=[1.0] * 24)))
        == 2
    )
    retriever = DatasetRetriever(rag.components)
    items = await retriever.retrieve([ds.row], "Comets have icy tails.", parse_retrieval_model({"top_k": 1}))
    assert items[0].segment.content == "Comets have icy tails."
    assert items[0].score == pytest.approx(1.0, abs=1e-4)  # the mock embeds equal texts equally
