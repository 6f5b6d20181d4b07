"""``python -m riverflow.agent`` as a real process on real JetStream: answers a task, stops on SIGTERM."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator

import nats
import pytest
from nats.js.errors import NotFoundError
from riverflow.agent.handlers import TASKS_DURABLE
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
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
def agent_service(nats_url: str) -> Iterator[subprocess.Popen[bytes]]:
    health_port = free_port()
    env = {
        **os.environ,
        "NATS_URL": nats_url,
        "AGENT_HOST": "127.0.0.1",
        "AGENT_HEALTH_PORT": str(health_port),
    }
    proc = subprocess.Popen([sys.executable, "-m", "riverflow.agent"], env=env)
    try:
        _wait_ready(proc, health_port)
        yield proc
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
    nats_url: str, agent_service: subprocess.Popen[bytes]
) -> None:
    run_id = f"agent-it-{time.time_ns()}"
    task = NodeTaskRequested(
        run_id=run_id, node_id="llm1", node_type="llm", idempotency_key=f"{run_id}:llm1:1", at=time.time()
    )
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.publish(
            subjects.node_task("agent", "llm"),
            task.model_dump_json().encode(),
            stream=subjects.NODE_TASKS_STREAM,
        )
        raw = await _last_inbox_message(js, run_id)
        result = NodeTaskResult.model_validate_json(raw.data)
        assert (result.status, result.error, result.event_id) == (
            "failed",
            "llm is not implemented yet",
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

    agent_service.send_signal(signal.SIGTERM)
    assert agent_service.wait(timeout=15) == 0
