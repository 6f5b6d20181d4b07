"""``python -m riverflow.agent`` as a real process on real JetStream, calling the mock model over HTTP."""

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
from riverflow.agent.handlers import TASKS_DURABLE
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskChunk, NodeTaskRequested, NodeTaskResult, parse_inbox_event
from riverflow.mockllm import MockControl, MockServer
from riverflow.runtime.nats_server import free_port
from riverflow.runtime.streams import read_subject

pytestmark = pytest.mark.integration


def _wait_ready(proc: subprocess.Popen[bytes], health_port: int, timeout: float = 30.0) -> None:
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
def agent_service(nats_url: str, mock_server: MockServer) -> Iterator[subprocess.Popen[bytes]]:
    health_port = free_port()
    env = {
        **os.environ,
        "NATS_URL": nats_url,
        "AGENT_HOST": "127.0.0.1",
        "AGENT_HEALTH_PORT": str(health_port),
        "AGENT_DEFAULT_MODEL_BASE_URL": mock_server.base_url,
        "AGENT_RETRY_BASE_DELAY_SECONDS": "0.01",
    }
    proc = subprocess.Popen([sys.executable, "-m", "riverflow.agent"], env=env)
    try:
        _wait_ready(proc, health_port)
        yield proc
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()


async def _inbox(js, run_id: str, timeout: float = 60.0) -> list[NodeTaskChunk | NodeTaskResult]:
    """Every inbox event of ``run_id`` once its result arrived (a direct read: no consumer of ours)."""
    deadline = time.monotonic() + timeout
    while True:
        events = [
            parse_inbox_event(m.data)
            for m in await read_subject(js, subjects.RUN_INBOX_STREAM, subjects.run_inbox(run_id))
        ]
        if any(isinstance(e, NodeTaskResult) for e in events):
            return events
        assert time.monotonic() < deadline, "no result from the agent"
        await asyncio.sleep(0.05)


async def test_llm_task_streams_chunks_then_a_result_and_the_service_stops_on_sigterm(
    nats_url: str, agent_service: subprocess.Popen[bytes], mock_model: MockControl
) -> None:
    run_id = f"agent-it-{time.time_ns()}"
    mock_model.fault(429, 1)  # the first call is rate limited: the agent retries it
    task = NodeTaskRequested(
        run_id=run_id,
        node_id="llm1",
        node_type="llm",
        idempotency_key=f"{run_id}:llm1:1",
        data={"model": {"provider": "openai", "name": "gpt-4o-mini", "mode": "chat"}},
        inputs={"prompt_messages": [{"role": "user", "content": "rivers run to the sea"}]},
        at=time.time(),
        workspace_id="ws-none",
    )
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        await js.publish(
            subjects.node_task("agent", "llm"),
            task.model_dump_json().encode(),
            stream=subjects.NODE_TASKS_STREAM,
        )
        events = await _inbox(js, run_id)
        chunks = [e for e in events if isinstance(e, NodeTaskChunk)]
        (result,) = [e for e in events if isinstance(e, NodeTaskResult)]
        assert "".join(c.chunk for c in chunks) == "rivers run to the sea"
        assert [c.index for c in chunks] == list(range(len(chunks))) and len(chunks) == 5
        assert result.status == "succeeded" and result.outputs["text"] == "rivers run to the sea"
        assert result.metadata["mock_model"] is True and len(result.metadata["usage"]) == 12
        calls = mock_model.calls(f"{run_id}:llm1:1:call1")
        assert (calls["calls"], calls["failed"], calls["completed"]) == (2, 1, 1)

        # The task was acked, so the work queue let it go.
        deadline = time.monotonic() + 5
        while (info := await js.consumer_info(subjects.NODE_TASKS_STREAM, TASKS_DURABLE)).num_ack_pending:
            assert time.monotonic() < deadline, info
            await asyncio.sleep(0.05)
        assert info.num_pending == 0

        # The same task again (as after a redelivery): the stored result, no second model call.
        await js.publish(
            subjects.node_task("agent", "llm"),
            task.model_dump_json().encode(),
            stream=subjects.NODE_TASKS_STREAM,
            headers={"Nats-Msg-Id": f"redelivery-{run_id}"},
        )
        await asyncio.sleep(1.0)
        while (info := await js.consumer_info(subjects.NODE_TASKS_STREAM, TASKS_DURABLE)).num_pending or (
            info.num_ack_pending
        ):
            await asyncio.sleep(0.05)
        assert mock_model.calls(f"{run_id}:llm1:1:call1")["completed"] == 1
    finally:
        await nc.close()

    agent_service.send_signal(signal.SIGTERM)
    assert agent_service.wait(timeout=15) == 0
