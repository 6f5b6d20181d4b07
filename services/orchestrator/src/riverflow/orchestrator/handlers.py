"""Subject → function: the run inbox, and node tasks the orchestrator owns but cannot run yet."""

from __future__ import annotations

import time

from faststream import AckPolicy
from faststream.nats import JStream, NatsMessage, NatsRouter, PullSub
from nats.js.api import ConsumerConfig

from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult, parse_inbox_event
from riverflow.orchestrator.run_advancer import RunAdvancer
from riverflow.orchestrator.settings import OrchestratorSettings

__all__ = ["build_router"]


def build_router(advancer: RunAdvancer, settings: OrchestratorSettings) -> NatsRouter:
    """Routes for one orchestrator replica. Replicas share the durable consumers (a queue group)."""
    router = NatsRouter()
    consumer = ConsumerConfig(
        max_ack_pending=settings.nats.max_in_flight,
        ack_wait=settings.nats.ack_wait_seconds,
    )

    # NACK_ON_ERROR: a failed step (log conflict storm, NATS hiccup) is redelivered, never dropped.
    @router.subscriber(
        subjects.RUN_INBOX_ALL,
        stream=JStream(subjects.RUN_INBOX_STREAM, declare=False),
        durable=subjects.ORCHESTRATOR_DURABLE,
        # One message per pull: a larger batch makes nats-py wait for the rest of it after the
        # first message arrives, which adds that wait to a run's latency when traffic is light.
        # max_workers still works several runs at once.
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        config=consumer,
        max_workers=settings.max_workers,
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def on_inbox(msg: NatsMessage) -> None:
        await advancer.handle(parse_inbox_event(msg.body))

    @router.subscriber(
        subjects.node_task("orchestrator", "*"),
        stream=JStream(subjects.NODE_TASKS_STREAM, declare=False),
        durable="orchestrator-tasks",
        pull_sub=PullSub(batch_size=8, timeout=5.0),
        config=consumer,
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def on_task(task: NodeTaskRequested, msg: NatsMessage) -> None:
        # Code and HTTP nodes arrive with the engine issue; until then fail them cleanly.
        result = NodeTaskResult(
            event_id=task.idempotency_key,
            run_id=task.run_id,
            node_id=task.node_id,
            attempt=task.attempt,
            status="failed",
            error=f"node type '{task.node_type}' is not supported yet",
            error_type="NotImplementedError",
            at=time.time(),
        )
        await router.broker.publish(
            result,
            subjects.run_inbox(task.run_id),
            headers={"Nats-Msg-Id": result.event_id},
            stream=subjects.RUN_INBOX_STREAM,
        )

    return router
