"""Two orchestrator and two agent replicas share a batch of streaming llm runs; one replica of each
is SIGKILLed mid-batch and not restarted. Every run finishes on the survivors with its whole
answer; each run's events are numbered 1..n in JetStream and reach its SSE client in that order,
although its steps ran on different replicas; no node result is recorded or billed twice.

Some clients hang up after the first frame: their runs still finish and are in the run detail.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import httpx
import pytest
from riverflow.mockllm import MockConfig, MockControl, MockServer

from tests.conftest import FIXTURES, sse_events
from tests.platform import Platform, running_platform
from tests.run_audit import audit_runs

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

RUNS = 30
DSL = FIXTURES / "basic_llm_chat_workflow.yml"  # start → llm (llm_node) → end, answering the query


@pytest.fixture(scope="module")
def mock() -> Iterator[MockControl]:
    with MockServer(MockConfig()) as server:
        yield MockControl(server.base_url)


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory, mock: MockControl) -> Iterator[Platform]:
    if not DSL.is_file():
        pytest.skip(f"conformance fixtures not found at {FIXTURES}")
    work = tmp_path_factory.mktemp("replicas")
    env = {
        "AGENT_DEFAULT_MODEL_BASE_URL": mock.base_url,
        "AGENT_HEALTH_PORT": "0",
        "NATS_ACK_WAIT_SECONDS": "4",
    }
    with running_platform(work, (), env) as running:
        for name in ("orchestrator", "agent"):
            running.start(name, f"{name}-1")
            running.start(name, f"{name}-2")
        yield running


async def _run(
    client: httpx.AsyncClient, key: str, query: str, hang_up: bool, streaming: asyncio.Event
) -> list[dict]:
    frames: list[dict] = []
    async with client.stream(
        "POST",
        "/v1/workflows/run",
        json={"inputs": {"query": query}, "response_mode": "streaming", "user": "replicas"},
        headers={"Authorization": f"Bearer {key}"},
    ) as response:
        assert response.status_code == 200, await response.aread()
        async for line in response.aiter_lines():
            for frame in sse_events(iter([line])):
                frames.append(frame)
                if frame["event"] == "text_chunk":
                    streaming.set()
            if hang_up and frames:
                break  # the client goes away after the first frame
    return frames


async def _detail(client: httpx.AsyncClient, key: str, run_id: str) -> dict:
    detail: dict = {}
    for _ in range(600):
        response = await client.get(f"/v1/workflows/run/{run_id}", headers={"Authorization": f"Bearer {key}"})
        detail = response.json()
        if detail.get("status") not in (None, "running"):
            return detail
        await asyncio.sleep(0.2)
    raise AssertionError(f"run {run_id} never finished: {detail}")


async def test_replicas_share_a_batch_and_survive_losing_one_of_each(
    replicas: Platform, mock: MockControl
) -> None:
    mock.reset()
    mock.script([{"match": {}, "reply": "{last_user}", "token_latency_ms": 150}])
    key = replicas.import_app(DSL)["api_key"]
    queries = [" ".join(f"r{i}w{j}" for j in range(6)) for i in range(RUNS)]
    hang_ups = [i % 6 == 0 for i in range(RUNS)]
    streaming = asyncio.Event()
    limits = httpx.Limits(max_connections=RUNS + 10)
    async with httpx.AsyncClient(base_url=replicas.base_url, timeout=300, limits=limits) as client:
        runs = [
            asyncio.create_task(_run(client, key, q, h, streaming))
            for q, h in zip(queries, hang_ups, strict=True)
        ]
        await asyncio.wait_for(streaming.wait(), 180)
        replicas.services["orchestrator-1"].kill()
        replicas.services["agent-1"].kill()
        results = await asyncio.wait_for(asyncio.gather(*runs), timeout=300)
        assert all(len(frames) == 1 for h, frames in zip(hang_ups, results, strict=True) if h)
        details = {
            i: await _detail(client, key, frames[0]["workflow_run_id"])
            for i, frames in enumerate(results)
            if hang_ups[i]
        }

    run_ids = [frames[0]["workflow_run_id"] for frames in results]
    assert len(set(run_ids)) == RUNS
    records = await audit_runs(replicas.env["NATS_URL"], run_ids)  # seq 1..n, nothing twice
    for i, (query, frames) in enumerate(zip(queries, results, strict=True)):
        record = records[run_ids[i]]
        assert [(r.node_id, r.attempt, r.status) for r in record.results] == [("llm_node", 1, "succeeded")]
        assert record.events[-1].event == "workflow_finished"
        assert record.events[-1].data["outputs"] == {"answer": query}
        assert mock.calls(f"{run_ids[i]}:llm_node:1:call1")["completed"] == 1  # billed once
        if hang_ups[i]:
            assert details[i]["status"] == "succeeded" and details[i]["outputs"] == {"answer": query}
            continue
        # The client saw exactly the run's stream (its events and the relayed tokens), in order, each once.
        assert [f["event"] for f in frames] == [e.event for e in record.stream]
        assert frames[-1]["data"]["status"] == "succeeded"
        assert "".join(f["data"]["text"] for f in frames if f["event"] == "text_chunk") == query
