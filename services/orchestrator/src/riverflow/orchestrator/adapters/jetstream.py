"""JetStream adapters: the run log as one subject per run, the outbox as de-duplicated publishes."""

from __future__ import annotations

import asyncio

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import Header
from nats.js.errors import APIError
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import RunEvent, RunInboxEvent, encode_run_events, parse_inbox_event
from riverflow.engine.commands import DispatchNodeTask
from riverflow.orchestrator.ports import LogConflict, LogEntry
from riverflow.runtime.streams import read_subject

__all__ = ["JetStreamRunLog", "JetStreamRunOutbox"]

#: JetStream's error code for a failed Nats-Expected-Last-Subject-Sequence check.
_WRONG_LAST_SEQUENCE = 10071


class JetStreamRunLog:
    """``rf.v1.runs.log.<run_id>`` in stream ``RF_RUN_LOG``; appends fenced by the subject's last seq."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def read(self, run_id: str) -> list[LogEntry]:
        messages = await read_subject(self._js, subjects.RUN_LOG_STREAM, subjects.run_log(run_id))
        return [LogEntry(seq=m.seq or 0, event=parse_inbox_event(m.data or b"")) for m in messages]

    async def append(self, run_id: str, event: RunInboxEvent, expected_last_seq: int) -> int:
        headers = {
            Header.EXPECTED_LAST_SUBJECT_SEQUENCE.value: str(expected_last_seq),
            Header.MSG_ID.value: f"log:{event.event_id}",
        }
        try:
            ack = await self._js.publish(
                subjects.run_log(run_id),
                event.model_dump_json().encode(),
                stream=subjects.RUN_LOG_STREAM,
                headers=headers,
            )
        except APIError as exc:
            if exc.err_code == _WRONG_LAST_SEQUENCE:
                raise LogConflict(str(exc)) from exc
            raise
        if ack.duplicate:
            # The same event was appended moments ago by a process that died before acking.
            raise LogConflict(f"run {run_id}: event {event.event_id} already appended")
        return ack.seq


class JetStreamRunOutbox:
    """Run events straight to JetStream, a step's events in as few messages as ``max_message_bytes``
    allows (``encode_run_events``); node tasks through the broker so traces follow them."""

    def __init__(self, js: JetStreamContext, broker: NatsBroker, max_message_bytes: int = 256 * 1024) -> None:
        self._js = js
        self._broker = broker
        self._max_bytes = max_message_bytes

    async def emit(self, events: list[RunEvent]) -> None:
        if not events:
            return
        subject = subjects.run_events(events[0].run_id)
        # Sent in order on one connection, acknowledged together: one round-trip per step.
        await asyncio.gather(
            *(
                self._js.publish(
                    subject,
                    message.data,
                    stream=subjects.RUN_EVENTS_STREAM,
                    headers={Header.MSG_ID.value: message.msg_id},
                )
                for message in encode_run_events(events, self._max_bytes)
            )
        )

    async def dispatch(self, tasks: list[DispatchNodeTask]) -> None:
        # Parallel branches dispatch several tasks at once: their acks are awaited together.
        await asyncio.gather(
            *(
                self._broker.publish(
                    command.task,
                    command.subject,
                    headers={Header.MSG_ID.value: command.task.idempotency_key},
                    stream=subjects.NODE_TASKS_STREAM,
                )
                for command in tasks
            )
        )
