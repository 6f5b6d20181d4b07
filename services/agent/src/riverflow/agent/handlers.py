"""NATS handlers: node tasks for the agent service (``rf.v1.tasks.agent.<node_type>``)."""

from __future__ import annotations

from collections.abc import Callable

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsRouter, PullSub
from nats.js.api import ConsumerConfig
from riverflow.agent.task_runner import TaskRunner
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.runtime.handler_params import Message
from riverflow.runtime.keepalive import keep_alive
from riverflow.runtime.settings import NatsSettings

__all__ = ["TASKS_DURABLE", "make_router"]

#: Durable pull consumer shared by every agent replica (replicas split the tasks).
TASKS_DURABLE = "agent"

# The streams are declared by ensure_streams at startup, never implicitly by FastStream.
_NODE_TASKS = JStream(subjects.NODE_TASKS_STREAM, declare=False)


def make_router(nats: NatsSettings, runner: Callable[[], TaskRunner], max_workers: int = 64) -> NatsRouter:
    """The agent service's NATS routes; ``runner`` gives the task runner once the service is wired."""
    router = NatsRouter()

    @router.subscriber(
        subjects.node_task("agent", "*"),
        stream=_NODE_TASKS,
        durable=TASKS_DURABLE,
        pull_sub=PullSub(batch_size=1, timeout=5.0),
        config=ConsumerConfig(max_ack_pending=nats.max_in_flight, ack_wait=nats.ack_wait_seconds),
        max_workers=max_workers,
        # A failed handler is redelivered; REJECT (the default) would drop the task for good.
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def handle_node_task(task: NodeTaskRequested, msg: Message) -> None:
        async with keep_alive(msg, max(1.0, nats.ack_wait_seconds / 3)):
            await runner().run(task)

    return router
