"""A rag process killed in the middle of indexing a document: the job is redelivered to the next process,
which finishes it with exactly one copy of each chunk (the real service, nats-server and stores)."""

from __future__ import annotations

import asyncio
import sqlite3
import sys
from collections.abc import Iterator
from pathlib import Path

import grpc
import pytest
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc, retrieval_pb2, retrieval_pb2_grpc
from riverflow.runtime.nats_server import NatsServerProcess

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "services" / "rag" / "tests"))
from test_service_integration import start_rag, wait_ready, wait_status  # noqa: E402

# Two rag processes start (each loads the embedding model) and redelivery waits out an ack wait.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(420)]


def _counts(data_dir: Path, document_id: str) -> tuple[int, int, str]:
    with (
        sqlite3.connect(data_dir / "vectors.sqlite") as vectors,
        sqlite3.connect(data_dir / "rag.sqlite") as meta,
    ):
        chunks = vectors.execute(
            "SELECT count(*) FROM chunks WHERE document_id = ?", (document_id,)
        ).fetchone()[0]
        segments = meta.execute(
            "SELECT count(*) FROM rag_segments WHERE document_id = ?", (document_id,)
        ).fetchone()[0]
        status = meta.execute(
            "SELECT indexing_status FROM rag_documents WHERE id = ?", (document_id,)
        ).fetchone()[0]
    return chunks, segments, status


@pytest.fixture
def own_nats(tmp_path: Path) -> Iterator[str]:
    """A nats-server of its own: the ingestion consumer's ack wait and queue must be this test's,
    not whatever earlier tests' rag processes left durable on the shared server."""
    with NatsServerProcess(tmp_path / "nats") as server:
        yield server.url


async def test_a_crash_mid_ingestion_resumes_without_duplicate_chunks(own_nats: str, tmp_path: Path) -> None:
    nats_url = own_nats
    data_dir = tmp_path / "rag"
    text = "\n".join(f"Line {i}: the glacier moved {i} metres." for i in range(40))
    # First process: dies (exit 17) right after writing the chunks, before recording them or acking the job.
    proc, health, port = start_rag(
        nats_url, data_dir, RAG_FAILPOINT="after_store_write", RAG_INGEST_ACK_WAIT_SECONDS="2"
    )
    try:
        wait_ready(proc, health, timeout=90)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = knowledge_pb2_grpc.KnowledgeStub(channel)
            ds = await stub.CreateDataset(k.CreateDatasetRequest(workspace_id="ws", name="crash"))
            created = await stub.CreateDocumentByText(
                k.CreateDocumentByTextRequest(
                    workspace_id="ws",
                    dataset_id=ds.id,
                    name="log",
                    text=text,
                    settings=k.DocumentSettings(indexing_technique="high_quality"),
                )
            )
        assert await asyncio.to_thread(proc.wait, 120) == 17
    finally:
        if proc.poll() is None:
            proc.kill()
    doc_id = created.document.id
    assert _counts(data_dir, doc_id) == (40, 0, "indexing")  # chunks written, nothing recorded

    proc, health, port = start_rag(nats_url, data_dir, RAG_INGEST_ACK_WAIT_SECONDS="2")
    try:
        wait_ready(proc, health, timeout=90)
        async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
            stub = knowledge_pb2_grpc.KnowledgeStub(channel)
            # Redelivery waits out the dead consumer's ack wait; generous for a loaded CI machine.
            status = await wait_status(stub, ds.id, created.batch, "completed", timeout=120)
            assert (status.data[0].completed_segments, status.data[0].total_segments) == (40, 40)
            found = await retrieval_pb2_grpc.RetrievalStub(channel).Retrieve(
                retrieval_pb2.RetrieveRequest(
                    workspace_id="ws",
                    dataset_ids=[ds.id],
                    query="glacier moved 17 metres",
                    top_k=40,
                    search_method="full_text_search",
                )
            )
            assert len({r.segment_id for r in found.records}) == len(found.records) == 40
    finally:
        proc.terminate()
        proc.wait(timeout=15)
    assert _counts(data_dir, doc_id) == (40, 40, "completed")
