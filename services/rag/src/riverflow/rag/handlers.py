"""NATS handlers: knowledge-retrieval node tasks (``rf.v1.tasks.rag.<node_type>``) and ingestion jobs."""

from __future__ import annotations

import time

from faststream.middlewares import AckPolicy
from faststream.nats import JStream, NatsRouter, PullSub
from nats.js.api import ConsumerConfig
from riverflow.contracts import rag_subjects, subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.contracts.events.v1.rag import IngestionRequested
from riverflow.rag.ingestion import IngestionPipeline
from riverflow.rag.node_task import run_node_task
from riverflow.rag.retrieval import DatasetRetriever
from riverflow.runtime.handler_params import Broker, Message
from riverflow.runtime.settings import NatsSettings

__all__ = ["TASKS_DURABLE", "RETRIEVAL_NODE_TYPES", "make_router", "unsupported_result"]

#: Durable pull consumer shared by every rag replica (replicas split the tasks).
TASKS_DURABLE = "rag"
RETRIEVAL_NODE_TYPES = frozenset({"knowledge-retrieval", "knowledge-retrieval-v2"})

# The streams are declared at startup (ensure_streams, ensure_rag_streams), never implicitly by FastStream.
_NODE_TASKS = JStream(subjects.NODE_TASKS_STREAM, declare=False)
_INGEST = JStream(rag_subjects.INGEST_STREAM, declare=False)


def unsupported_result(task: NodeTaskRequested) -> NodeTaskResult:
    """A clean failure, so a run that sends an unknown node type here ends instead of hanging."""
    return NodeTaskResult(
        event_id=task.idempotency_key,
        run_id=task.run_id,
        node_id=task.node_id,
        attempt=task.attempt,
        status="failed",
        error=f"the rag service does not run {task.node_type} nodes",
        error_type="UnsupportedNodeError",
        at=time.time(),
    )


def make_router(
    nats: NatsSettings,
    retriever: DatasetRetriever,
    pipeline: IngestionPipeline,
    *,
    ingest_ack_wait: float = 120.0,
    ingest_max_deliver: int = 5,
    ingest_concurrency: int = 4,
) -> NatsRouter:
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
    async def handle_node_task(task: NodeTaskRequested, broker: Broker) -> None:
        if task.node_type in RETRIEVAL_NODE_TYPES:
            result = await run_node_task(task, retriever)
        else:
            result = unsupported_result(task)
        # Msg id = idempotency key: a redelivered task republishes a result JetStream drops as a duplicate.
        await broker.publish(
            result,
            subjects.run_inbox(task.run_id),
            headers={"Nats-Msg-Id": task.idempotency_key},
            stream=subjects.RUN_INBOX_STREAM,
        )

    @router.subscriber(
        rag_subjects.INGEST_ALL,
        stream=_INGEST,
        durable=rag_subjects.INGEST_DURABLE,
        pull_sub=PullSub(),
        # A few documents at once per replica, so their chunks share embedding batches; replicas add more.
        max_workers=ingest_concurrency,
        config=ConsumerConfig(
            max_ack_pending=ingest_concurrency, ack_wait=ingest_ack_wait, max_deliver=ingest_max_deliver
        ),
        ack_policy=AckPolicy.NACK_ON_ERROR,
    )
    async def handle_ingestion(job: IngestionRequested, msg: Message) -> None:
        delivered = msg.raw_message.metadata.num_delivered or 1
        # Acked only after the document is indexed (or failed for good): a crash means redelivery.
        await pipeline.run(job, heartbeat=msg.in_progress, final_attempt=delivered >= ingest_max_deliver)

    return router
