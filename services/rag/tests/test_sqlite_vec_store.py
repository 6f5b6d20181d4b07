"""sqlite-vec beyond the conformance suite: atomic document writes, persistence across restarts."""

from __future__ import annotations

from pathlib import Path

import pytest
from riverflow.rag.ports import ChunkRecord, SearchRequest
from riverflow.rag.stores.sqlite_vec import SqliteVecStore


def _rec(i: str, doc: str, text: str) -> ChunkRecord:
    return ChunkRecord(i, "ds", doc, i, text, [1.0, 0.0, 0.0])


async def test_a_failed_document_write_leaves_the_old_chunks(tmp_path: Path) -> None:
    store = SqliteVecStore(tmp_path / "v.sqlite")
    await store.replace_document("ds", "d1", [_rec("a", "d1", "old alpha"), _rec("b", "d1", "old beta")])
    bad = ChunkRecord(
        "c", "ds", "d1", "c", "new", [float("nan")] * 0
    )  # a zero-length vector cannot be stored
    with pytest.raises(Exception):  # noqa: B017 (apsw raises its own error types)
        await store.replace_document("ds", "d1", [_rec("a2", "d1", "new alpha"), bad])
    assert await store.count("ds", "d1") == 2
    assert [h.id for h in await store.text_search(SearchRequest(("ds",), top_k=5, text="old"))] == ["a", "b"]
    assert await store.text_search(SearchRequest(("ds",), top_k=5, text="new")) == []
    await store.close()


async def test_chunks_survive_a_restart(tmp_path: Path) -> None:
    store = SqliteVecStore(tmp_path / "v.sqlite")
    await store.replace_document("ds", "d1", [_rec("a", "d1", "persistent words")])
    await store.close()
    reopened = SqliteVecStore(tmp_path / "v.sqlite")
    assert [
        h.id for h in await reopened.vector_search(SearchRequest(("ds",), top_k=1, vector=[1.0, 0.0, 0.0]))
    ] == ["a"]
    assert [h.id for h in await reopened.text_search(SearchRequest(("ds",), top_k=1, text="persistent"))] == [
        "a"
    ]
    await reopened.close()
