"""SIGKILL the agent service during a batch of concurrent streaming chats: every chat finishes with
its whole answer (each token once), none is lost, no node result is recorded twice, and no model
call is billed twice beyond those in flight at the kill (the mock model counts completed calls per
idempotency key).

``test_agent_llm_run.py`` kills the agent under one run; this is the same fault under a batch.
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

CHATS = 20
CHATFLOW = FIXTURES / "basic_chatflow.yml"  # its llm node (id ``llm``) has no model: the mock answers


@pytest.fixture(scope="module")
def mock() -> Iterator[MockControl]:
    with MockServer(MockConfig()) as server:
        yield MockControl(server.base_url)


@pytest.fixture(scope="module")
def agent_platform(tmp_path_factory: pytest.TempPathFactory, mock: MockControl) -> Iterator[Platform]:
    if not CHATFLOW.is_file():
        pytest.skip(f"conformance fixtures not found at {FIXTURES}")
    env = {
        "AGENT_DEFAULT_MODEL_BASE_URL": mock.base_url,
        "AGENT_RETRY_BASE_DELAY_SECONDS": "0.05",
        "AGENT_HEALTH_PORT": "0",
        "NATS_ACK_WAIT_SECONDS": "4",
    }
    work = tmp_path_factory.mktemp("agent-crash")
    with running_platform(work, ("orchestrator", "agent"), env) as running:
        yield running


async def _chat(client: httpx.AsyncClient, key: str, query: str, streaming: asyncio.Event) -> list[dict]:
    frames: list[dict] = []
    async with client.stream(
        "POST",
        "/v1/chat-messages",
        json={"query": query, "inputs": {}, "response_mode": "streaming", "user": "crash"},
        headers={"Authorization": f"Bearer {key}"},
    ) as response:
        assert response.status_code == 200, await response.aread()
        async for line in response.aiter_lines():
            for frame in sse_events(iter([line])):
                frames.append(frame)
                if frame["event"] == "message":
                    streaming.set()
    return frames


async def test_agent_sigkill_mid_batch_neither_loses_chats_nor_bills_twice(
    agent_platform: Platform, mock: MockControl
) -> None:
    mock.reset()
    mock.script([{"match": {}, "reply": "{last_user}", "token_latency_ms": 300}])
    key = agent_platform.import_app(CHATFLOW)["api_key"]
    queries = [" ".join(f"c{i}w{j}" for j in range(8)) for i in range(CHATS)]
    streaming = asyncio.Event()
    limits = httpx.Limits(max_connections=CHATS + 10)
    async with httpx.AsyncClient(base_url=agent_platform.base_url, timeout=300, limits=limits) as client:
        chats = [asyncio.create_task(_chat(client, key, q, streaming)) for q in queries]
        await asyncio.wait_for(streaming.wait(), 180)
        agent_platform.services["agent"].kill()  # SIGKILL mid-stream: no ack, no result
        open_at_kill = set(mock.calls()["keys"])  # every call the killed process had started
        assert not all(c.done() for c in chats), "the kill must land in the middle of the batch"
        agent_platform.start("agent")
        results = await asyncio.wait_for(asyncio.gather(*chats), timeout=300)

    run_ids = []
    aborted = billed_again = 0
    for query, frames in zip(queries, results, strict=True):
        names = [f["event"] for f in frames]
        assert names[-1] == "workflow_finished" and frames[-1]["data"]["status"] == "succeeded", names
        assert names.count("message_end") == 1
        answer = "".join(f["answer"] for f in frames if f["event"] == "message")
        # Every token once, although two processes streamed some. The mock echoes the rendered
        # query turn, whose missing ``{{#userinput.files#}}`` renders as its bare name (as in Dify).
        assert answer == f"{query}\n\nuserinput.files"
        run_id = frames[-1]["workflow_run_id"]
        run_ids.append(run_id)
        key = f"{run_id}:llm:1:call1"
        calls = mock.calls(key)
        # Billed once, but for the calls in flight at the kill: one the model had finished sending
        # whose checkpoint the killed process had not yet written is called (and billed) again.
        assert calls["completed"] == 1 or (key in open_at_kill and calls["completed"] == 2), calls
        billed_again += calls["completed"] - 1
        aborted += calls["aborted"]
    assert len(set(run_ids)) == CHATS
    assert aborted >= 1  # the kill did cut streams off: the batch really crossed the crash
    assert billed_again < len(open_at_kill)  # at most the calls in flight, and not all of those

    records = await audit_runs(agent_platform.env["NATS_URL"], run_ids)
    for record in records.values():
        assert [(r.node_id, r.attempt, r.status) for r in record.results] == [("llm", 1, "succeeded")]
