"""``RunBus`` on NATS JetStream: publish to the run inbox, read the run's event subject."""

from __future__ import annotations

from collections.abc import AsyncIterator

from faststream.nats import NatsBroker
from nats.js.api import DeliverPolicy
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import RunEvent, RunRequested
from riverflow.runtime.streams import ensure_streams

__all__ = ["NatsRunBus"]


class NatsRunBus:
    """Publishes through the FastStream broker (trace context goes into the headers) and reads
    ``run_events(run_id)`` with an ordered consumer from the stream's first message of that run."""

    def __init__(self, broker: NatsBroker, *, declare_streams: bool = True) -> None:
        self._broker = broker
        self._declare_streams = declare_streams
        self._connected = False

    async def start(self) -> None:
        await self._broker.connect()
        self._connected = True
        if self._declare_streams:
            await ensure_streams(self._broker.connection.jetstream())

    async def close(self) -> None:
        if self._connected:
            await self._broker.stop()
            self._connected = False

    async def publish_run(self, request: RunRequested) -> None:
        await self._broker.publish(
            request,
            subjects.run_inbox(request.run_id),
            headers={"Nats-Msg-Id": request.run_id},
            stream=subjects.RUN_INBOX_STREAM,
        )

    async def events(self, run_id: str) -> AsyncIterator[RunEvent]:
        js = self._broker.connection.jetstream()
        sub = await js.subscribe(
            subjects.run_events(run_id),
            stream=subjects.RUN_EVENTS_STREAM,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
        )
        last_seq = 0
        try:
            async for msg in sub.messages:
                event = RunEvent.model_validate_json(msg.data)
                if event.seq <= last_seq:  # a re-published duplicate
                    continue
                last_seq = event.seq
                yield event
                if event.is_terminal:
                    return
        finally:
            await sub.unsubscribe()
