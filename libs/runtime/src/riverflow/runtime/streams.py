"""JetStream stream declarations, explicit and idempotent (see ARCHITECTURE.md, "Streams")."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import DiscardPolicy, RawStreamMsg, RetentionPolicy, StorageType, StreamConfig
from nats.js.errors import NotFoundError
from riverflow.contracts import subjects

__all__ = ["STREAMS", "INBOX_FULL_ERR_CODE", "ensure_streams", "read_subject"]

_DAY = 24 * 3600.0
#: Longer than any redelivery path (ack wait x max deliveries), so a re-publish after a crash
#: is always recognised as a duplicate of its first publish.
DUPLICATE_WINDOW_SECONDS = 600.0
#: Runs waiting for an orchestrator beyond this are refused at the door (the gateway answers 429)
#: instead of growing the queue without bound.
INBOX_MAX_MESSAGES = 100_000
#: JetStream's error code for a publish refused because the stream is full (discard NEW).
INBOX_FULL_ERR_CODE = 10077

STREAMS: tuple[StreamConfig, ...] = (
    StreamConfig(
        name=subjects.RUN_INBOX_STREAM,
        description="Events that advance runs (requests, node results, stops).",
        subjects=[subjects.RUN_INBOX_ALL],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        max_age=7 * _DAY,
        max_msgs=INBOX_MAX_MESSAGES,
        discard=DiscardPolicy.NEW,
    ),
    StreamConfig(
        name=subjects.RUN_LOG_STREAM,
        description="Per-run event logs; a run's state is the fold of its log.",
        subjects=[subjects.RUN_LOG_ALL],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        max_age=7 * _DAY,
        allow_direct=True,
    ),
    StreamConfig(
        name=subjects.RUN_EVENTS_STREAM,
        description="Client-facing run events (Dify stream events).",
        subjects=[subjects.RUN_EVENTS_ALL, subjects.RUN_CHUNKS_ALL],
        retention=RetentionPolicy.LIMITS,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        max_age=1 * _DAY,
    ),
    StreamConfig(
        name=subjects.NODE_TASKS_STREAM,
        description="Node work for the agent, rag and orchestrator task workers.",
        subjects=[subjects.NODE_TASKS_ALL],
        retention=RetentionPolicy.WORK_QUEUE,
        storage=StorageType.FILE,
        duplicate_window=DUPLICATE_WINDOW_SECONDS,
        max_age=1 * _DAY,
    ),
)


async def ensure_streams(js: JetStreamContext, configs: tuple[StreamConfig, ...] = STREAMS) -> None:
    """Create each stream, or bring an existing one to the declared configuration.

    ``configs`` defaults to the platform's streams; a service passes its own extra ones.
    """
    for config in configs:
        try:
            await js.stream_info(config.name)
        except NotFoundError:
            await js.add_stream(config)
        else:
            await js.update_stream(config)


async def read_subject(js: JetStreamContext, stream: str, subject: str) -> list[RawStreamMsg]:
    """Every message stored on ``subject`` (one run's log or events), oldest first."""
    messages: list[RawStreamMsg] = []
    seq = 1
    while True:
        try:
            msg = await js.get_msg(stream, seq=seq, subject=subject, next=True)
        except NotFoundError:
            return messages
        assert msg.seq is not None
        messages.append(msg)
        seq = msg.seq + 1
