"""The mock's rerank endpoint over real HTTP, raw and through litellm's rerank providers."""

from __future__ import annotations

import os
from collections.abc import Iterator

import httpx
import pytest
from riverflow.mockllm import MockConfig, MockServer

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")  # offline: the bundled cost map
import litellm  # noqa: E402, F401 - imported at collection: slow, and must not count against a test

DOCUMENTS = ["Rivers run to the sea.", "Snow melts in spring.", "Glaciers are rivers of ice."]


@pytest.fixture(scope="module")
def server() -> Iterator[MockServer]:
    with MockServer(MockConfig()) as running:
        yield running


def test_rerank_orders_by_word_overlap(server: MockServer) -> None:
    response = httpx.post(
        f"{server.base_url}/rerank",
        json={"model": "mock-rerank", "query": "rivers of ice", "documents": DOCUMENTS, "top_n": 2},
        timeout=10,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["model"] == "mock-rerank"
    assert [(r["index"], r["relevance_score"]) for r in body["results"]] == [(2, 1.0), (0, 0.333333)]
    assert body["results"][0]["document"] == {"text": "Glaciers are rivers of ice."}
    again = httpx.post(
        f"{server.base_url}/rerank",
        json={"model": "mock-rerank", "query": "rivers of ice", "documents": DOCUMENTS, "top_n": 2},
        timeout=10,
    ).json()
    assert again == body  # deterministic, id included
    calls = httpx.get(f"{server.base_url.removesuffix('/v1')}/mock/requests", timeout=10).json()
    assert any(c["path"] == "/v1/rerank" for c in calls)


@pytest.mark.parametrize(
    "body, reason",
    [
        ({"documents": DOCUMENTS}, "'query'"),
        ({"query": "x", "documents": "one"}, "'documents'"),
        ({"query": "x", "documents": [1]}, "'text'"),
        ({"query": "x", "documents": DOCUMENTS, "top_n": 0}, "'top_n'"),
    ],
)
def test_malformed_rerank_requests_get_400(server: MockServer, body: dict, reason: str) -> None:
    response = httpx.post(f"{server.base_url}/rerank", json=body, timeout=10)
    assert response.status_code == 400
    assert reason in response.json()["error"]["message"]


@pytest.mark.parametrize(
    "model, suffix",
    [("jina_ai/jina-reranker-v2", ""), ("hosted_vllm/bge-reranker", ""), ("cohere/rerank-v3.5", "/rerank")],
)
async def test_litellm_rerank_providers_reach_the_mock(server: MockServer, model: str, suffix: str) -> None:
    response = await litellm.arerank(
        model=model,
        query="when does snow melt",
        documents=DOCUMENTS,
        top_n=3,
        api_base=server.base_url + suffix,
        api_key="sk-mock",
    )
    ranked = [(r["index"], r["relevance_score"]) for r in response.results]
    assert ranked[0] == (1, 0.25)  # of "when", "does", "snow", "melt" only "snow" is in it
    assert {i for i, _ in ranked} == {0, 1, 2}
