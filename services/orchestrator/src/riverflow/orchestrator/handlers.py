"""Subject → function: the run inbox, and the node tasks the orchestrator executes (code, http-request)."""

from __future__ import annotations

import time

from faststream import AckPolicy
from faststream.nats import JStream, NatsBroker, NatsRouter, PullSub
from nats.js.api import ConsumerConfig
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, parse_inbox_event
from riverflow.orchestrator.run_advancer import RunAdvancer
from riverflow.orchestrator.settings import OrchestratorSettings
from riverflow.orchestrator.tasks import TaskRegistry, fit_result, result_of
from riverflow.orchestrator.tasks.wiring import build_task_registry
from riverflow.runtime.handler_params import Broker, Message
from riverflow.runtime.keepalive import keep_alive

__all__ = ["build_router"]


def build_router(
    advancer: RunAdvancer, settings: OrchestratorSettings, registry: TaskRegistry | None = None
) -> NatsRouter:
    """Routes for one orchestrator replica. Replicas share the durable consumers (a queue group).

    ``registry`` executes node tasks (default: built from ``settings``).
    """
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
    async def on_inbox(msg: Message) -> None:
        event = parse_inbox_event(msg.body)
        if event.queued_at is None:  # a re-published event keeps the first stamp
            event.queued_at = msg.raw_message.metadata.timestamp.timestamp()
        await advancer.handle(event)

    tasks = registry if registry is not None else build_task_registry(settings)
    heartbeat = max(1.0, settings.nats.ack_wait_seconds / 3)

    # One task per pull and task_workers at once: a sandboxed program may run for seconds.
    @router.subscriber(
        subjects.node_task("orchestrator", "*"),
        stream=JStream(subjects.NODE_TASKS_STREAM, declare=False),
        durable="orchestrator-tasks",
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        config=consumer,
        max_workers=settings.task_workers,
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def on_task(task: NodeTaskRequested, msg: Message, broker: Broker) -> None:
        wait = (task.not_before or 0.0) - time.time()
        if wait > 0:  # a retry's interval: come back when it has passed
            await msg.nack(delay=wait)
            return
        async with keep_alive(msg, heartbeat):
            outcome = await tasks.execute(task)
        limit = settings.task_result_max_bytes or _bus_limit(broker)
        result = fit_result(result_of(task, outcome), limit)
        await broker.publish(
            result,
            subjects.run_inbox(task.run_id),
            headers={"Nats-Msg-Id": result.event_id},
            stream=subjects.RUN_INBOX_STREAM,
        )

    return router


def _bus_limit(broker: NatsBroker) -> int:
    """The server's max_payload less room for headers and the envelope."""
    max_payload = getattr(broker.connection, "max_payload", 0) or 1024 * 1024
    return max(64 * 1024, max_payload - 64 * 1024)
