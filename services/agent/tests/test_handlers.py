"""The node-task handler on a real nats-server: chunks and result reach the run inbox, in order,
each with its idempotency id and the task's trace context."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from faststream.nats import JStream, NatsMessage, TestNatsBroker
from opentelemetry.sdk.trace import TracerProvider
from riverflow.agent.adapters.jetstream import InboxPublisher
from riverflow.agent.handlers import make_router
from riverflow.agent.model_routing import ModelRouter, RouterConfig
from riverflow.agent.reference import InMemoryCredentialStore, InMemoryModelClient, InMemoryResultStore
from riverflow.agent.resilience import ResilientModelClient
from riverflow.agent.task_runner import TaskRunner
from riverflow.agent.tools.registry import ToolRegistry
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskChunk, NodeTaskRequested, NodeTaskResult, parse_inbox_event
from riverflow.runtime.broker import make_broker
from riverflow.runtime.settings import NatsSettings
from riverflow.runtime.streams import ensure_streams


def _task(node_type: str = "llm", run_id: str = "run-1") -> NodeTaskRequested:
    return NodeTaskRequested(
        run_id=run_id,
        node_id="llm1",
        node_type=node_type,
        attempt=2,
        idempotency_key=f"{run_id}:llm1:2",
        data={"model": {"provider": "openai", "name": "gpt-4o-mini"}},
        inputs={"prompt_messages": [{"role": "user", "content": "hello world"}]},
        at=time.time(),
    )


def _broker(
    url: str = "nats://127.0.0.1:4222", tracer_provider: TracerProvider | None = None, run_id: str = "*"
):
    broker = make_broker(NatsSettings(url=url), service_name="agent-test", tracer_provider=tracer_provider)
    credentials = InMemoryCredentialStore()
    runner = TaskRunner(
        router=ModelRouter(credentials, RouterConfig(default_base_url="http://mock/v1")),
        client=ResilientModelClient(InMemoryModelClient()),
        results=InMemoryResultStore(),
        tools=ToolRegistry(credentials),
        publisher=InboxPublisher(broker),
    )
    broker.include_router(make_router(NatsSettings(), lambda: runner))
    received: list[tuple[NodeTaskChunk | NodeTaskResult, dict[str, str]]] = []

    # One run's inbox: the session's server keeps other tests' runs in the shared work queue.
    @broker.subscriber(subjects.run_inbox(run_id), stream=JStream(subjects.RUN_INBOX_STREAM, declare=False))
    async def inbox(body: dict, msg: NatsMessage) -> None:
        event = parse_inbox_event(msg.body)  # the inbox union: proves the events are routable by `kind`
        received.append((event, msg.headers))

    return broker, received


@pytest.mark.integration
async def test_llm_task_publishes_chunks_then_its_result_to_the_run_inbox(nats_url: str) -> None:
    run_id = f"run-{uuid.uuid4().hex[:8]}"
    broker, received = _broker(nats_url, TracerProvider(), run_id)
    async with broker:
        await ensure_streams(broker.connection.jetstream())
        await broker.start()
        await broker.publish(
            _task(run_id=run_id), subjects.node_task("agent", "llm"), stream=subjects.NODE_TASKS_STREAM
        )
        for _ in range(200):
            if len(received) == 3:
                break
            await asyncio.sleep(0.05)

    events = [e for e, _ in received]
    assert [type(e).__name__ for e in events] == ["NodeTaskChunk", "NodeTaskChunk", "NodeTaskResult"]
    assert [e.chunk for e in events[:2]] == ["hello", " world"]
    result = events[-1]
    assert isinstance(result, NodeTaskResult) and result.status == "succeeded"
    assert (result.event_id, result.run_id, result.node_id, result.attempt) == (
        f"{run_id}:llm1:2",
        run_id,
        "llm1",
        2,
    )
    assert [h["Nats-Msg-Id"] for _, h in received] == [
        f"{run_id}:llm1:2:chunk:0",
        f"{run_id}:llm1:2:chunk:1",
        f"{run_id}:llm1:2",
    ]
    # Every event carries the trace context of the task that produced it.
    task_traces = {h["traceparent"].split("-")[1] for _, h in received}
    assert len(task_traces) == 1, [h for _, h in received]


async def test_tasks_for_other_services_are_not_taken() -> None:
    broker, received = _broker()
    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(
            _task("knowledge-retrieval"),
            subjects.node_task("rag", "knowledge-retrieval"),
            stream=subjects.NODE_TASKS_STREAM,
        )
    assert received == []
