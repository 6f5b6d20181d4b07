"""Embedders: the hashing reference, the bundled all-MiniLM-L6-v2 on both backends, the registry."""

from __future__ import annotations

import numpy as np
import pytest
from riverflow.rag.embedding.hashing import HashingEmbedder
from riverflow.rag.embedding.minilm import MiniLMEmbedder
from riverflow.rag.embedding.registry import EmbedderRegistry, UnknownEmbeddingModel


async def test_hashing_embedder_is_deterministic_and_unit_length() -> None:
    e = HashingEmbedder(64)
    a, b = await e.embed_documents(["rivers and lakes", "rivers and lakes"]), await e.embed_query("lakes")
    assert a[0] == a[1] and len(b) == 64
    assert np.linalg.norm(a[0]) == pytest.approx(1.0)
    assert np.dot(a[0], b) > np.dot(await e.embed_query("volcano"), b)


@pytest.fixture(scope="module")
def minilm() -> MiniLMEmbedder:
    return MiniLMEmbedder("onnx", batch_size=4)


async def test_minilm_ranks_paraphrases_above_unrelated_text(minilm: MiniLMEmbedder) -> None:
    docs = await minilm.embed_documents(
        [
            "A man is playing a guitar.",
            "The stock market fell sharply today.",
            "Someone strums an acoustic instrument.",
        ]
    )
    query = np.array(await minilm.embed_query("a person plays music on a guitar"))
    sims = [float(np.dot(query, d)) for d in docs]
    assert sims[0] > sims[2] > sims[1] and sims[0] > 0.6 and sims[1] < 0.2
    assert all(np.linalg.norm(d) == pytest.approx(1.0, abs=1e-5) for d in docs)


def test_onnx_and_numpy_passes_agree_and_batching_does_not_change_results(minilm: MiniLMEmbedder) -> None:
    texts = [
        "short",
        "a much longer sentence about the retrieval of scientific abstracts " * 3,
        "mid length text",
    ]
    onnx = minilm.embed(texts)
    numpy_pass = MiniLMEmbedder("numpy", batch_size=1).embed(texts)
    assert np.abs(onnx - numpy_pass).max() < 1e-5
    one_by_one = np.vstack([minilm.embed([t]) for t in texts])
    assert np.abs(onnx - one_by_one).max() < 1e-5


def test_registry_checks_models_before_any_work() -> None:
    registry = EmbedderRegistry(allow_litellm=False)
    assert registry.get("riverflow", "hashing-32").dimension == 32
    assert registry.get("langgenius/riverflow/riverflow", "hashing-32") is registry.get(
        "riverflow", "hashing-32"
    )
    for provider, model in (("riverflow", "gpt-9"), ("openai", "text-embedding-3-small")):
        with pytest.raises(UnknownEmbeddingModel):
            registry.check(provider, model)
    EmbedderRegistry().check("openai", "text-embedding-3-small")  # litellm models are accepted when enabled
