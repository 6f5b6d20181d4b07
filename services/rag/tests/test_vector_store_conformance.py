"""The ``VectorStore`` conformance suite: every adapter must pass it unchanged.

Adapters: in-memory (reference), sqlite-vec + FTS5 (embedded default), Weaviate (only when
``WEAVIATE_URL`` points at a server; none can run on these machines, so it is skipped with that reason).
"""

from __future__ import annotations

import math
import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from riverflow.rag.filters import Condition, MetadataFilter
from riverflow.rag.ports import ChunkRecord, SearchRequest, VectorStore
from riverflow.rag.stores.memory import InMemoryVectorStore
from riverflow.rag.stores.sqlite_vec import SqliteVecStore


def _unit(*v: float) -> list[float]:
    n = math.sqrt(sum(x * x for x in v))
    return [x / n for x in v]


@pytest.fixture(params=["in-memory", "sqlite-vec", "weaviate"])
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[VectorStore]:
    if request.param == "in-memory":
        adapter: VectorStore = InMemoryVectorStore()
    elif request.param == "sqlite-vec":
        adapter = SqliteVecStore(tmp_path / "vectors.sqlite")
    else:
        url = os.environ.get("WEAVIATE_URL")
        if not url:
            pytest.skip(
                "Weaviate conformance skipped: WEAVIATE_URL is not set (no Weaviate server can run here)"
            )
        from riverflow.rag.stores.weaviate import WeaviateStore

        adapter = await WeaviateStore.connect(
            url, int(os.environ.get("WEAVIATE_GRPC_PORT", "50051")), os.environ.get("WEAVIATE_API_KEY")
        )
    yield adapter
    await adapter.close()


@pytest.fixture
def ds() -> tuple[str, str]:
    """Fresh dataset ids per test, so a shared server (Weaviate) never sees another test's chunks."""
    return f"ds-a-{uuid.uuid4().hex[:8]}", f"ds-b-{uuid.uuid4().hex[:8]}"


def _records(a: str, b: str) -> list[ChunkRecord]:
    return [
        ChunkRecord(
            "c1",
            a,
            "d1",
            "s1",
            "the river flows into the sea",
            _unit(1, 0, 0, 0),
            ("river", "estuary"),
            {"lang": "en", "year": 2020, "source": "web"},
        ),
        ChunkRecord(
            "c2",
            a,
            "d1",
            "s2",
            "mountains are covered in snow",
            _unit(0, 1, 0, 0),
            ("mountain", "snow"),
            {"lang": "en", "year": 2021},
        ),
        ChunkRecord(
            "c3",
            a,
            "d2",
            "s3",
            "the sea is salty and deep",
            _unit(1, 1, 0, 0),
            ("ocean", "salt"),
            {"lang": "fr", "year": 2022, "source": "book"},
        ),
        ChunkRecord(
            "c4",
            b,
            "d3",
            "s4",
            "river boats carry cargo to the sea",
            _unit(1, 0, 0.1, 0),
            ("boat",),
            {"lang": "en", "year": 2019},
        ),
    ]


@pytest.fixture
async def seeded(store: VectorStore, ds: tuple[str, str]) -> VectorStore:
    a, b = ds
    records = _records(a, b)
    await store.replace_document(a, "d1", records[:2])
    await store.replace_document(a, "d2", records[2:3])
    await store.replace_document(b, "d3", records[3:])
    return store


async def test_vector_search_is_nearest_first_within_the_datasets(
    seeded: VectorStore, ds: tuple[str, str]
) -> None:
    a, b = ds
    hits = await seeded.vector_search(SearchRequest((a,), top_k=3, vector=_unit(1, 0, 0, 0)))
    assert [h.id for h in hits] == ["c1", "c3", "c2"]
    assert hits[0].score == pytest.approx(1.0, abs=1e-4)
    assert hits[1].score == pytest.approx(math.sqrt(0.5), abs=1e-3)
    assert 0.0 <= hits[2].score < 0.05
    assert (hits[0].document_id, hits[0].segment_id, hits[0].dataset_id) == ("d1", "s1", a)
    assert hits[0].text == "the river flows into the sea"
    assert hits[0].metadata == {"lang": "en", "year": 2020, "source": "web"}
    both = await seeded.vector_search(SearchRequest((a, b), top_k=2, vector=_unit(1, 0, 0, 0)))
    assert [h.id for h in both] == ["c1", "c4"]


async def test_text_search_ranks_by_bm25_relative_to_the_best(
    seeded: VectorStore, ds: tuple[str, str]
) -> None:
    a, b = ds
    hits = await seeded.text_search(SearchRequest((a,), top_k=10, text="salty sea"))
    assert [h.id for h in hits] == ["c3", "c1"]  # c3 has both words
    assert hits[0].score == pytest.approx(1.0)
    assert 0.0 < hits[1].score < 1.0
    assert await seeded.text_search(SearchRequest((a,), top_k=10, text="cargo")) == []
    assert [h.id for h in await seeded.text_search(SearchRequest((b,), top_k=10, text="cargo"))] == ["c4"]
    # Query syntax of the underlying engine is never interpreted: operators are plain words.
    assert [
        h.id for h in await seeded.text_search(SearchRequest((a,), top_k=10, text='snow" OR NOT (x*'))
    ] == ["c2"]


async def test_keyword_search_matches_the_keywords_only(seeded: VectorStore, ds: tuple[str, str]) -> None:
    a, _ = ds
    assert [h.id for h in await seeded.keyword_search(SearchRequest((a,), top_k=5, text="ocean"))] == ["c3"]
    # "sea" is in c1's and c3's text but in no keyword list.
    assert await seeded.keyword_search(SearchRequest((a,), top_k=5, text="sea")) == []


@pytest.mark.parametrize("fusion", ["weighted_score", "reciprocal_rank_fusion"])
async def test_hybrid_prefers_chunks_both_sides_found(
    seeded: VectorStore, ds: tuple[str, str], fusion: str
) -> None:
    a, _ = ds
    request = SearchRequest(
        (a,), top_k=3, text="salty sea", vector=_unit(0, 1, 0, 0), fusion=fusion, vector_weight=0.5
    )
    hits = await seeded.hybrid_search(request)
    assert hits[0].id == "c3"  # the only chunk that is both near the vector and contains "sea"
    assert {h.id for h in hits} == {"c1", "c2", "c3"}
    assert all(0.0 <= h.score <= 1.0 for h in hits) and hits[0].score > hits[1].score
    vector_only = await seeded.hybrid_search(
        SearchRequest((a,), top_k=1, text="sea", vector=_unit(0, 1, 0, 0), fusion=fusion, vector_weight=1.0)
    )
    assert vector_only[0].id == "c2"
    text_only = await seeded.hybrid_search(
        SearchRequest(
            (a,), top_k=2, text="salty sea", vector=_unit(0, 1, 0, 0), fusion=fusion, vector_weight=0.0
        )
    )
    assert text_only[0].id == "c3"


@pytest.mark.parametrize(
    ("flt", "expected"),
    [
        (MetadataFilter((Condition("lang", "eq", "en"),)), {"c1", "c2"}),
        (MetadataFilter((Condition("lang", "ne", "en"),)), {"c3"}),
        (MetadataFilter((Condition("year", "gt", 2020),)), {"c2", "c3"}),
        (MetadataFilter((Condition("year", "lte", 2021), Condition("lang", "eq", "en"))), {"c1", "c2"}),
        (
            MetadataFilter((Condition("year", "eq", 2022), Condition("source", "eq", "web")), "or"),
            {"c1", "c3"},
        ),
        (MetadataFilter((Condition("lang", "in", ["fr", "de"]),)), {"c3"}),
        (MetadataFilter((Condition("source", "not_empty"),)), {"c1", "c3"}),
        (MetadataFilter((Condition("source", "empty"),)), {"c2"}),
        (MetadataFilter((Condition("source", "contains", "oo"),)), {"c3"}),
        (MetadataFilter((Condition("source", "starts_with", "we"),)), {"c1"}),
        (MetadataFilter((Condition("source", "not_contains", "oo"),)), {"c1", "c2"}),
    ],
)
async def test_metadata_filters_apply_to_every_search(
    seeded: VectorStore, ds: tuple[str, str], flt: MetadataFilter, expected: set[str]
) -> None:
    a, _ = ds
    base = {"dataset_ids": (a,), "top_k": 10, "filter": flt}
    vector = await seeded.vector_search(SearchRequest(**base, vector=_unit(1, 1, 1, 1)))
    assert {h.id for h in vector} == expected
    text = await seeded.text_search(SearchRequest(**base, text="the sea river mountains snow salty"))
    assert {h.id for h in text} == expected
    hybrid = await seeded.hybrid_search(SearchRequest(**base, text="sea", vector=_unit(1, 1, 1, 1)))
    assert {h.id for h in hybrid} == expected


async def test_delete_document_removes_only_its_chunks(seeded: VectorStore, ds: tuple[str, str]) -> None:
    a, b = ds
    assert (await seeded.count(a), await seeded.count(a, "d1"), await seeded.count(b)) == (3, 2, 1)
    await seeded.delete_document(a, "d1")
    assert (await seeded.count(a), await seeded.count(a, "d1"), await seeded.count(b)) == (1, 0, 1)
    hits = await seeded.vector_search(SearchRequest((a,), top_k=5, vector=_unit(1, 0, 0, 0)))
    assert [h.id for h in hits] == ["c3"]
    assert [h.id for h in await seeded.text_search(SearchRequest((a,), top_k=5, text="river snow"))] == []


async def test_replace_document_leaves_no_duplicates_or_stale_chunks(
    seeded: VectorStore, ds: tuple[str, str]
) -> None:
    a, _ = ds
    new = ChunkRecord("c1", a, "d1", "s1", "the river is frozen", _unit(0, 0, 0, 1), (), {"lang": "en"})
    for _ in range(2):  # a redelivered ingestion job writes the same chunks again
        await seeded.replace_document(a, "d1", [new])
    assert await seeded.count(a, "d1") == 1
    assert [h.id for h in await seeded.text_search(SearchRequest((a,), top_k=5, text="frozen"))] == ["c1"]
    assert await seeded.text_search(SearchRequest((a,), top_k=5, text="mountains")) == []
    hits = await seeded.vector_search(SearchRequest((a,), top_k=1, vector=_unit(0, 0, 0, 1)))
    assert (hits[0].id, hits[0].text) == ("c1", "the river is frozen")


async def test_upsert_and_delete_chunks(seeded: VectorStore, ds: tuple[str, str]) -> None:
    a, _ = ds
    await seeded.upsert([ChunkRecord("c2", a, "d1", "s2", "hills under snow", _unit(0, 1, 0, 0))])
    assert await seeded.count(a) == 3
    assert [h.text for h in await seeded.text_search(SearchRequest((a,), top_k=5, text="hills"))] == [
        "hills under snow"
    ]
    await seeded.delete_chunks(a, ["c2", "c3"])
    assert await seeded.count(a) == 1


async def test_delete_dataset_and_unknown_datasets(seeded: VectorStore, ds: tuple[str, str]) -> None:
    a, b = ds
    await seeded.delete_dataset(a)
    assert await seeded.count(a) == 0
    assert await seeded.vector_search(SearchRequest((a,), top_k=5, vector=_unit(1, 0, 0, 0))) == []
    assert await seeded.count(b) == 1
    assert await seeded.text_search(SearchRequest(("nope",), top_k=5, text="river")) == []


async def test_datasets_may_use_different_dimensions(seeded: VectorStore, ds: tuple[str, str]) -> None:
    other = ds[1] + "-3d"
    await seeded.replace_document(
        other, "d9", [ChunkRecord("c9", other, "d9", "s9", "three dims", _unit(0, 1, 0))]
    )
    hits = await seeded.vector_search(SearchRequest((other,), top_k=5, vector=_unit(0, 1, 0)))
    assert [h.id for h in hits] == ["c9"]
    assert [
        h.id for h in await seeded.vector_search(SearchRequest((ds[0],), top_k=1, vector=_unit(1, 0, 0, 0)))
    ] == ["c1"]
