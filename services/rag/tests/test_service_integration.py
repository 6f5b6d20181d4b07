"""`python -m riverflow.rag` on real JetStream: ingests over the bus, answers a node task, stops cleanly."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import grpc
import nats
import pytest
from nats.js.errors import NotFoundError
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc
from riverflow.rag.handlers import TASKS_DURABLE
from riverflow.runtime.nats_server import free_port

pytestmark = pytest.mark.integration


def wait_ready(proc: subprocess.Popen[bytes], health_port: int, timeout: float = 90.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"service exited early with {proc.returncode}"
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{health_port}/readyz", timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError("service did not become ready")


def start_rag(nats_url: str, data_dir: Path, **env: str) -> tuple[subprocess.Popen[bytes], int, int]:
    health_port, grpc_port = free_port(), free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "riverflow.rag"],
        env={
            **os.environ,
            "NATS_URL": nats_url,
            "RAG_HOST": "127.0.0.1",
            "RAG_HEALTH_PORT": str(health_port),
            "RAG_GRPC_PORT": str(grpc_port),
            "RAG_DATA_DIR": str(data_dir),
            "RAG_EMBEDDING_MODEL": "hashing-256",
            **env,
        },
    )
    return proc, health_port, grpc_port


async def wait_status(
    stub: knowledge_pb2_grpc.KnowledgeStub, dataset_id: str, batch: str, want: str, timeout: float = 60.0
) -> k.IndexingStatusResponse:
    deadline = time.monotonic() + timeout
    while True:
        status = await stub.GetIndexingStatus(
            k.GetIndexingStatusRequest(workspace_id="ws", dataset_id=dataset_id, batch=batch)
        )
        if all(s.indexing_status == want for s in status.data):
            return status
        assert time.monotonic() < deadline, status
        await asyncio.sleep(0.1)


@pytest.fixture
def rag_service(nats_url: str, tmp_path: Path) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    proc, health_port, grpc_port = start_rag(nats_url, tmp_path / "rag")
    try:
        wait_ready(proc, health_port)
        yield proc, grpc_port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def _inbox_result(js, run_id: str, timeout: float = 15.0):
    deadline = time.monotonic() + timeout
    while True:
        try:
            # A direct read: the inbox is a work queue, and a consumer of our own could clash
            # with the orchestrator's durable consumer on the same server.
            return await js.get_last_msg(subjects.RUN_INBOX_STREAM, subjects.run_inbox(run_id))
        except NotFoundError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.05)


async def test_ingests_over_jetstream_answers_a_retrieval_task_and_stops_on_sigterm(
    nats_url: str, rag_service: tuple[subprocess.Popen[bytes], int]
) -> None:
    proc, grpc_port = rag_service
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        stub = knowledge_pb2_grpc.KnowledgeStub(channel)
        ds = await stub.CreateDataset(k.CreateDatasetRequest(workspace_id="ws", name=f"kb-{time.time_ns()}"))
        created = await stub.CreateDocumentByFile(
            k.CreateDocumentByFileRequest(
                workspace_id="ws",
                dataset_id=ds.id,
                filename="faq.md",
                content=b"# FAQ\n\nRefunds take five days.\n\nShipping is free.",
                settings=k.DocumentSettings(indexing_technique="high_quality"),
            )
        )
        status = await wait_status(stub, ds.id, created.batch, "completed")
        assert status.data[0].total_segments == 3

    run_id = f"rag-it-{time.time_ns()}"
    task = NodeTaskRequested(
        run_id=run_id,
        node_id="kr",
        node_type="knowledge-retrieval",
        idempotency_key=f"{run_id}:kr:1",
        data={"dataset_ids": [ds.id], "multiple_retrieval_config": {"top_k": 1}},
        inputs={"query": "how long do refunds take"},
        at=time.time(),
        workspace_id="ws",
    )
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.publish(
            subjects.node_task("rag", task.node_type),
            task.model_dump_json().encode(),
            stream=subjects.NODE_TASKS_STREAM,
        )
        raw = await _inbox_result(js, run_id)
        result = NodeTaskResult.model_validate_json(raw.data)
        assert (result.status, result.event_id) == ("succeeded", task.idempotency_key)
        assert result.outputs["result"][0]["content"] == "Refunds take five days."
        assert result.outputs["result"][0]["metadata"]["document_name"] == "faq.md"
        assert raw.headers["Nats-Msg-Id"] == task.idempotency_key
        # The task was acked, so the work queue let it go.
        deadline = time.monotonic() + 5
        while (info := await js.consumer_info(subjects.NODE_TASKS_STREAM, TASKS_DURABLE)).num_ack_pending:
            assert time.monotonic() < deadline, info
            await asyncio.sleep(0.05)
        assert info.num_pending == 0
    finally:
        await nc.close()

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
