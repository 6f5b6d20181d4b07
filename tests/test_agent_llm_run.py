"""An llm workflow through real gateway + orchestrator + agent processes, the model being the shipped mock.

The platform has no provider credentials, so the agent falls back to the default model
(``AGENT_DEFAULT_MODEL_BASE_URL`` = the mock, over HTTP, through litellm). The module gets its own
nats-server so the agent's consumer can use a short ack wait (redelivery after a SIGKILL).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import nats
import pytest
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskChunk, RunEvent, decode_run_events, parse_inbox_event
from riverflow.mockllm import MockConfig, MockControl, MockServer
from riverflow.runtime.streams import read_subject

from tests.conftest import FIXTURES, sse_events
from tests.platform import Platform, running_platform

pytestmark = pytest.mark.integration

DSL = FIXTURES / "basic_llm_chat_workflow.yml"


@pytest.fixture(scope="module")
def mock() -> Iterator[MockControl]:
    with MockServer(MockConfig()) as server:
        yield MockControl(server.base_url)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory, mock: MockControl) -> Iterator[Platform]:
    if not DSL.is_file():
        pytest.skip(f"conformance fixtures not found at {FIXTURES}")
    work = tmp_path_factory.mktemp("agent-platform")
    env = {
        "AGENT_DEFAULT_MODEL_BASE_URL": mock.base_url,
        "AGENT_RETRY_BASE_DELAY_SECONDS": "0.05",
        "AGENT_HEALTH_PORT": "0",
        "NATS_ACK_WAIT_SECONDS": "4",
    }
    with running_platform(work, ("orchestrator", "agent"), env) as running:
        yield running


@pytest.fixture(scope="module")
def app_key(platform: Platform) -> str:
    return platform.import_app(DSL)["api_key"]


@pytest.fixture(autouse=True)
def clean_mock(mock: MockControl) -> Iterator[None]:
    mock.reset()
    yield
    mock.reset()


def _stream(platform: Platform, key: str, query: str, on_event=None) -> list[dict]:  # noqa: ANN001
    events: list[dict] = []
    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": {"query": query}, "response_mode": "streaming", "user": "alice"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    ) as response:
        assert response.status_code == 200, response.read()
        for event in sse_events(response.iter_lines()):
            events.append(event)
            if on_event is not None:
                on_event(event)
    return events


def _llm_finished(events: list[dict]) -> dict:
    (data,) = [e["data"] for e in events if e["event"] == "node_finished" and e["data"]["node_type"] == "llm"]
    return data


def _call_key(events: list[dict]) -> str:
    run_id = events[0]["workflow_run_id"]
    return f"{run_id}:llm_node:1:call1"


def test_llm_workflow_streams_tokens_with_usage(platform: Platform, app_key: str, mock: MockControl) -> None:
    query = "the quick brown fox jumps over the lazy dog"
    events = _stream(platform, app_key, query)
    names = [e["event"] for e in events]
    assert names[0] == "workflow_started" and names[-1] == "workflow_finished", names
    chunks = [e["data"] for e in events if e["event"] == "text_chunk"]
    assert "".join(c["text"] for c in chunks) == query
    assert len(chunks) == len(query.split())  # streamed token by token, not as one blob
    assert all(c["from_variable_selector"] == ["llm_node", "text"] for c in chunks)
    llm = _llm_finished(events)
    assert llm["status"] == "succeeded" and llm["outputs"]["text"] == query
    metadata = llm["execution_metadata"]
    usage = metadata["usage"]
    assert len(usage) == 12 and usage["currency"] == "USD"
    assert (
        usage["total_tokens"]
        == usage["prompt_tokens"] + usage["completion_tokens"]
        == metadata["total_tokens"]
    )
    assert usage["completion_tokens"] == 9 and usage["total_price"] == "0.0000000"
    assert metadata["mock_model"] is True  # no provider configured: the answer came from the mock
    finished = events[-1]["data"]
    assert finished["status"] == "succeeded" and finished["outputs"] == {"answer": query}
    assert finished["total_tokens"] == usage["total_tokens"]
    # The request reached the mock as litellm sends it, with the rendered prompt.
    (request,) = mock.requests(_call_key(events))
    assert request["body"]["messages"] == [
        {"role": "system", "content": "You are a helpful assistant."},
        {"role": "user", "content": query},
    ]


async def _stored(nats_url: str, run_id: str) -> tuple[list, list[RunEvent], list[RunEvent]]:
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        log = await read_subject(js, subjects.RUN_LOG_STREAM, subjects.run_log(run_id))
        events = await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_events(run_id))
        chunks = await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_chunks(run_id))
    finally:
        await nc.close()
    return (
        [parse_inbox_event(m.data or b"") for m in log],
        [e for m in events for e in decode_run_events(m.data or b"")],
        [RunEvent.model_validate_json(m.data or b"") for m in chunks],
    )


def test_tokens_go_straight_to_the_client_not_through_the_run_log(platform: Platform, app_key: str) -> None:
    query = "one two three four five"
    events = _stream(platform, app_key, query)
    run_id = events[0]["workflow_run_id"]
    log, stored_events, relayed = asyncio.run(_stored(platform.env["NATS_URL"], run_id))
    # The answer node waits on the llm's text from the start: the agent relays every token to
    # the run's chunk subject; neither the log nor the run's own events hold a token.
    assert "".join(c.data["text"] for c in relayed) == query and len(relayed) == len(query.split())
    assert all(
        c.event == "text_chunk" and c.data["from_variable_selector"] == ["llm_node", "text"] for c in relayed
    )
    started = next(e for e in stored_events if e.event == "node_started" and e.data["node_type"] == "llm")
    assert {c.seq for c in relayed} == {started.seq}  # each follows the event that dispatched the node
    assert not [e for e in log if isinstance(e, NodeTaskChunk)]
    assert not [e for e in stored_events if e.event == "text_chunk"]
    # The client got them in order, between the node's start and its end.
    names = [e["event"] for e in events]
    llm_started = next(
        i for i, e in enumerate(events) if e["event"] == "node_started" and e["data"]["node_type"] == "llm"
    )
    llm_finished = next(
        i for i, e in enumerate(events) if e["event"] == "node_finished" and e["data"]["node_type"] == "llm"
    )
    assert names[llm_started + 1 : llm_finished] == ["text_chunk"] * len(relayed)


def test_rate_limited_calls_are_retried(platform: Platform, app_key: str, mock: MockControl) -> None:
    mock.fault(429, 2)  # the first two calls of every idempotency key answer 429
    events = _stream(platform, app_key, "retry me please")
    assert events[-1]["data"]["status"] == "succeeded"
    assert _llm_finished(events)["outputs"]["text"] == "retry me please"
    calls = mock.calls(_call_key(events))
    assert (calls["calls"], calls["failed"], calls["completed"]) == (3, 2, 1)


def test_agent_sigkill_mid_stream_neither_loses_the_run_nor_bills_twice(
    platform: Platform, app_key: str, mock: MockControl
) -> None:
    words = [f"w{i}" for i in range(12)]
    query = " ".join(words)
    mock.script([{"match": {}, "reply": "{last_user}", "token_latency_ms": 400}])
    first_chunk = threading.Event()
    events: list[dict] = []

    def on_event(event: dict) -> None:
        if event["event"] == "text_chunk":
            first_chunk.set()

    runner = threading.Thread(target=lambda: events.extend(_stream(platform, app_key, query, on_event)))
    runner.start()
    assert first_chunk.wait(90), "the model never started streaming"
    platform.services["agent"].kill()  # SIGKILL mid-stream: no ack, no result
    killed_at = time.monotonic()
    platform.start("agent")
    runner.join(120)
    assert not runner.is_alive()
    assert time.monotonic() - killed_at >= 3  # it took a redelivery, not the first process

    assert events[-1]["event"] == "workflow_finished" and events[-1]["data"]["status"] == "succeeded"
    text = "".join(e["data"]["text"] for e in events if e["event"] == "text_chunk")
    assert text == query  # every token exactly once, although two processes streamed them
    calls = mock.calls(_call_key(events))
    # The killed stream was aborted (never completed, so never billed); one call completed.
    assert calls["completed"] == 1 and calls["aborted"] >= 1
    llm = _llm_finished(events)
    assert events[-1]["data"]["total_tokens"] == llm["execution_metadata"]["total_tokens"]


def test_blocking_run_reports_usage_once(platform: Platform, app_key: str) -> None:
    response = httpx.post(
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": {"query": "blocking call"}, "response_mode": "blocking", "user": "alice"},
        headers={"Authorization": f"Bearer {app_key}"},
        timeout=60,
    )
    assert response.status_code == 200
    data = response.json()["data"]
    assert data["status"] == "succeeded" and data["outputs"] == {"answer": "blocking call"}
    assert data["total_tokens"] > 0


def test_chatflow_streams_messages_and_usage_in_message_end(platform: Platform) -> None:
    chatflow = FIXTURES / "basic_chatflow.yml"  # its llm node has no model chosen: the mock answers
    key = platform.import_app(chatflow)["api_key"]
    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/chat-messages",
        json={"query": "hello river", "inputs": {}, "response_mode": "streaming", "user": "alice"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    ) as response:
        assert response.status_code == 200, response.read()
        events = list(sse_events(response.iter_lines()))
    names = [e["event"] for e in events]
    assert "message_end" in names and names[-1] == "workflow_finished", names
    answer = "".join(e["answer"] for e in events if e["event"] == "message")
    assert answer.startswith("hello river")  # the mock echoes the rendered query turn
    assert len([e for e in events if e["event"] == "message"]) > 2  # token by token
    (end,) = [e for e in events if e["event"] == "message_end"]
    usage = end["metadata"]["usage"]
    assert len(usage) == 12 and usage["total_tokens"] > 0 and Decimal(usage["total_price"]) == 0
