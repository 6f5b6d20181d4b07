"""The ``Retriever`` port's behaviour, written once for every adapter (only the in-memory one so far)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from riverflow.rag.ports import InMemoryRetriever, RetrievalQuery, RetrievedSegment, Retriever

SEGMENTS = [
    RetrievedSegment("s1", "d1", "ds-a", "NATS JetStream keeps streams on disk", metadata={"page": 1}),
    RetrievedSegment("s2", "d1", "ds-a", "Workflows run as event logs on JetStream"),
    RetrievedSegment("s3", "d2", "ds-b", "Streams and consumers in JetStream"),
]

# Each real adapter adds a factory here (seeded with SEGMENTS) and must pass the same suite.
ADAPTERS: dict[str, Callable[[list[RetrievedSegment]], Retriever]] = {"in-memory": InMemoryRetriever}


@pytest.fixture(params=sorted(ADAPTERS))
def retriever(request: pytest.FixtureRequest) -> Retriever:
    return ADAPTERS[request.param](SEGMENTS)


async def test_unknown_dataset_returns_nothing(retriever: Retriever) -> None:
    assert await retriever.retrieve(RetrievalQuery(dataset_ids=("nope",), query="jetstream")) == []


async def test_results_come_only_from_the_requested_datasets_best_first(retriever: Retriever) -> None:
    found = await retriever.retrieve(RetrievalQuery(dataset_ids=("ds-a",), query="jetstream streams"))
    assert [s.segment_id for s in found] == ["s1", "s2"]
    assert found[0].score > found[1].score
    assert found[0].metadata == {"page": 1}


async def test_top_k_and_score_threshold_limit_results(retriever: Retriever) -> None:
    both = ("ds-a", "ds-b")
    assert len(await retriever.retrieve(RetrievalQuery(dataset_ids=both, query="jetstream", top_k=2))) == 2
    strict = RetrievalQuery(dataset_ids=both, query="jetstream streams", score_threshold=0.9)
    assert {s.segment_id for s in await retriever.retrieve(strict)} == {"s1", "s3"}
