"""`python -m riverflow.rag` as a process on real JetStream: answers a task, serves gRPC, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import grpc
import nats
import pytest
from nats.js.errors import NotFoundError
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.contracts.grpc.rag.v1 import retrieval_pb2, retrieval_pb2_grpc
from riverflow.rag.handlers import TASKS_DURABLE
from riverflow.runtime.nats_server import free_port

pytestmark = pytest.mark.integration


def _wait_ready(proc: subprocess.Popen[bytes], health_port: int, timeout: float = 20.0) -> None:
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


@pytest.fixture
def rag_service(nats_url: str) -> Iterator[tuple[subprocess.Popen[bytes], int]]:
    health_port, grpc_port = free_port(), free_port()
    env = {
        **os.environ,
        "NATS_URL": nats_url,
        "RAG_HOST": "127.0.0.1",
        "RAG_HEALTH_PORT": str(health_port),
        "RAG_GRPC_PORT": str(grpc_port),
    }
    proc = subprocess.Popen([sys.executable, "-m", "riverflow.rag"], env=env)
    try:
        _wait_ready(proc, health_port)
        yield proc, grpc_port
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def _last_inbox_message(js, run_id: str, timeout: float = 10.0):
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


async def test_service_answers_a_task_over_jetstream_and_stops_on_sigterm(
    nats_url: str, rag_service: tuple[subprocess.Popen[bytes], int]
) -> None:
    proc, grpc_port = rag_service
    run_id = f"rag-it-{time.time_ns()}"
    task = NodeTaskRequested(
        run_id=run_id,
        node_id="kr",
        node_type="knowledge-retrieval",
        idempotency_key=f"{run_id}:kr:1",
        at=time.time(),
    )
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.publish(
            subjects.node_task("rag", task.node_type),
            task.model_dump_json().encode(),
            stream=subjects.NODE_TASKS_STREAM,
        )
        raw = await _last_inbox_message(js, run_id)
        result = NodeTaskResult.model_validate_json(raw.data)
        assert (result.status, result.error_type, result.event_id) == (
            "failed",
            "NotImplemented",
            task.idempotency_key,
        )
        assert raw.headers["Nats-Msg-Id"] == task.idempotency_key

        # The task was acked, so the work queue let it go.
        deadline = time.monotonic() + 5
        while (info := await js.consumer_info(subjects.NODE_TASKS_STREAM, TASKS_DURABLE)).num_ack_pending:
            assert time.monotonic() < deadline, info
            await asyncio.sleep(0.05)
        assert info.num_pending == 0
    finally:
        await nc.close()

    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        response = await retrieval_pb2_grpc.RetrievalStub(channel).Retrieve(
            retrieval_pb2.RetrieveRequest(dataset_ids=["none"], query="q"), timeout=5
        )
    assert list(response.records) == []

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0
