"""Node-task handler of the rag service, against FastStream's in-memory broker."""

from __future__ import annotations

import time

from faststream.nats import JStream, NatsMessage, TestNatsBroker
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult, parse_inbox_event
from riverflow.rag.handlers import make_router
from riverflow.runtime.broker import make_broker
from riverflow.runtime.settings import NatsSettings


def _task(node_type: str = "knowledge-retrieval") -> NodeTaskRequested:
    return NodeTaskRequested(
        run_id="run-1",
        node_id="kr",
        node_type=node_type,
        attempt=2,
        idempotency_key="run-1:kr:2",
        data={"dataset_ids": ["ds"]},
        inputs={"query": "hello"},
        at=time.time(),
    )


async def test_every_task_fails_cleanly_into_the_run_inbox() -> None:
    broker = make_broker(NatsSettings(), service_name="rag-test")
    broker.include_router(make_router(NatsSettings()))
    received: list[tuple[NodeTaskResult, dict[str, str]]] = []

    @broker.subscriber(subjects.run_inbox("*"), stream=JStream(subjects.RUN_INBOX_STREAM, declare=False))
    async def inbox(body: dict, msg: NatsMessage) -> None:
        event = parse_inbox_event(msg.body)  # the inbox union: proves the result is routable by `kind`
        assert isinstance(event, NodeTaskResult)
        received.append((event, msg.headers))

    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(
            _task(), subjects.node_task("rag", "knowledge-retrieval"), stream=subjects.NODE_TASKS_STREAM
        )

    assert len(received) == 1
    result, headers = received[0]
    assert result.status == "failed"
    assert result.error == "knowledge-retrieval is not implemented yet"
    assert result.error_type == "NotImplemented"
    assert (result.event_id, result.run_id, result.node_id, result.attempt) == (
        "run-1:kr:2",
        "run-1",
        "kr",
        2,
    )
    assert headers["Nats-Msg-Id"] == "run-1:kr:2"


async def test_tasks_for_other_services_are_not_taken() -> None:
    broker = make_broker(NatsSettings(), service_name="rag-test")
    broker.include_router(make_router(NatsSettings()))
    received: list[dict] = []

    @broker.subscriber(subjects.run_inbox("*"), stream=JStream(subjects.RUN_INBOX_STREAM, declare=False))
    async def inbox(body: dict) -> None:
        received.append(body)

    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(
            _task("llm"), subjects.node_task("agent", "llm"), stream=subjects.NODE_TASKS_STREAM
        )

    assert received == []
