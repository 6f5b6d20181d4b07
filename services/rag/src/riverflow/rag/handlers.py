"""NATS handlers: node tasks for the rag service (``rf.v1.tasks.rag.<node_type>``)."""

from __future__ import annotations

import time

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsRouter, PullSub
from faststream.nats.annotations import NatsBroker
from nats.js.api import ConsumerConfig
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.runtime.settings import NatsSettings

__all__ = ["TASKS_DURABLE", "make_router", "not_implemented_result"]

#: Durable pull consumer shared by every rag replica (replicas split the tasks).
TASKS_DURABLE = "rag"

# The streams are declared by ensure_streams at startup, never implicitly by FastStream.
_NODE_TASKS = JStream(subjects.NODE_TASKS_STREAM, declare=False)


def not_implemented_result(task: NodeTaskRequested) -> NodeTaskResult:
    """A clean failure, so a run that reaches an unimplemented node ends instead of hanging."""
    return NodeTaskResult(
        event_id=task.idempotency_key,
        run_id=task.run_id,
        node_id=task.node_id,
        attempt=task.attempt,
        status="failed",
        error=f"{task.node_type} is not implemented yet",
        error_type="NotImplemented",
        at=time.time(),
    )


def make_router(nats: NatsSettings) -> NatsRouter:
    """The rag service's NATS routes, with consumer limits from ``nats``."""
    router = NatsRouter()

    @router.subscriber(
        subjects.node_task("rag", "*"),
        stream=_NODE_TASKS,
        durable=TASKS_DURABLE,
        pull_sub=PullSub(),
        config=ConsumerConfig(max_ack_pending=nats.max_in_flight, ack_wait=nats.ack_wait_seconds),
        # A failed handler is redelivered; REJECT (the default) would drop the task for good.
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def handle_node_task(task: NodeTaskRequested, broker: NatsBroker) -> None:
        result = not_implemented_result(task)
        # Msg id = idempotency key: a redelivered task republishes a result JetStream drops as a duplicate.
        await broker.publish(
            result,
            subjects.run_inbox(task.run_id),
            headers={"Nats-Msg-Id": task.idempotency_key},
            stream=subjects.RUN_INBOX_STREAM,
        )

    return router
