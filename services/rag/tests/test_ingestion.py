"""The ingestion pipeline: idempotent re-runs, stale jobs, failures that leave nothing half-indexed."""

from __future__ import annotations

import pytest
from riverflow.contracts.events.v1.rag import IngestionRequested
from riverflow.rag.datasets import DatasetService
from riverflow.rag.db import DocumentRow, SegmentRow
from riverflow.rag.documents import DocumentService
from riverflow.rag.ingestion import IngestionPipeline
from sqlalchemy import func, select

from .conftest import Rag

TEXT = b"Alpha paragraph about rivers.\nBeta paragraph about lakes.\nGamma paragraph about seas."


async def _queued(rag: Rag) -> tuple[str, IngestionRequested]:
    jobs: list[IngestionRequested] = []

    async def hold(job: IngestionRequested) -> None:
        jobs.append(job)

    rag.queue.run = hold  # keep the job instead of running it, so the test drives the pipeline
    ds = await DatasetService(rag.components).create("ws", "u", {"name": "n"})
    await DocumentService(rag.components).create(
        "ws",
        "u",
        ds.row.id,
        name="d",
        content=TEXT,
        filename="d.txt",
        mime_type="",
        settings={"indexing_technique": "high_quality"},
        from_text=True,
    )
    await rag.queue.drain()
    return ds.row.id, jobs[0]


async def _state(rag: Rag, doc_id: str) -> tuple[str, int]:
    async with rag.components.sessions() as session:
        doc = await session.get(DocumentRow, doc_id)
        segments = (
            await session.execute(select(func.count()).where(SegmentRow.document_id == doc_id))
        ).scalar_one()
    return doc.indexing_status, segments


async def test_a_job_run_twice_leaves_one_copy_of_each_chunk(rag: Rag) -> None:
    dataset_id, job = await _queued(rag)
    await rag.pipeline.run(job)
    await rag.pipeline.run(job)  # a duplicate delivery: skipped, already completed
    assert await _state(rag, job.document_id) == ("completed", 3)
    assert await rag.components.store.count(dataset_id, job.document_id) == 3


async def test_a_crash_after_the_store_write_resumes_without_duplicates(rag: Rag) -> None:
    dataset_id, job = await _queued(rag)

    class Crash(BaseException):  # like a killed process: nothing after this point runs
        pass

    def failpoint(name: str) -> None:
        if name == "after_store_write":
            raise Crash

    with pytest.raises(Crash):
        await IngestionPipeline(rag.components, failpoint).run(job)
    # The chunks are in the store but the rows are not: retrieval cannot see them yet.
    assert await _state(rag, job.document_id) == ("indexing", 0)
    assert await rag.components.store.count(dataset_id, job.document_id) == 3
    await rag.pipeline.run(job)  # the redelivery
    assert await _state(rag, job.document_id) == ("completed", 3)
    assert await rag.components.store.count(dataset_id, job.document_id) == 3


async def test_transient_errors_propagate_until_the_last_attempt(rag: Rag) -> None:
    dataset_id, job = await _queued(rag)
    store = rag.components.store
    original = store.replace_document

    async def broken(*args, **kwargs) -> None:
        raise ConnectionError("store unavailable")

    store.replace_document = broken  # type: ignore[method-assign]
    with pytest.raises(ConnectionError):
        await rag.pipeline.run(job)  # redelivered later
    await rag.pipeline.run(job, final_attempt=True)
    status, segments = await _state(rag, job.document_id)
    assert (status, segments) == ("error", 0)
    assert await store.count(dataset_id) == 0
    store.replace_document = original  # type: ignore[method-assign]


async def test_stale_and_orphan_jobs_are_skipped(rag: Rag) -> None:
    dataset_id, job = await _queued(rag)
    await rag.pipeline.run(job.model_copy(update={"generation": 0}))  # an older generation
    assert await _state(rag, job.document_id) == ("waiting", 0)
    await DocumentService(rag.components).delete("ws", dataset_id, job.document_id)
    await rag.pipeline.run(job)  # its document is gone
    assert await rag.components.store.count(dataset_id) == 0


async def test_unparseable_files_end_in_error_with_the_reason(rag: Rag) -> None:
    ds = await DatasetService(rag.components).create("ws", "u", {"name": "n"})
    doc, _ = await DocumentService(rag.components).create(
        "ws",
        "u",
        ds.row.id,
        name="bad.json",
        content=b"{not json",
        filename="bad.json",
        mime_type="",
        settings={"indexing_technique": "high_quality"},
        from_text=False,
    )
    await rag.queue.drain()
    async with rag.components.sessions() as session:
        row = await session.get(DocumentRow, doc.id)
    assert row.indexing_status == "error" and "invalid JSON" in row.error
    assert [e.indexing_status for e in rag.progress.events][-1] == "error"
