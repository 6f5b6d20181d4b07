"""``RunBus`` on NATS JetStream: publish to the run inbox, read the run's event subject."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, NotFoundError
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import (
    RunEvent,
    RunRequested,
    RunResumeRequested,
    RunStopRequested,
    decode_run_events,
)
from riverflow.gateway.adapters.run_feed import RunFeed, RunOrder, until_lost
from riverflow.gateway.ports import BusUnavailable, EventHandler, RecordedHandler, RunQueueFull
from riverflow.runtime.streams import INBOX_FULL_ERR_CODE, ensure_streams

__all__ = ["NatsRunBus", "RECORDER_DURABLE"]

log = logging.getLogger("riverflow.gateway.nats_bus")

#: Durable consumer on ``RF_RUN_EVENTS`` shared by every gateway replica: the run recorder.
RECORDER_DURABLE = "gateway-recorder"


class NatsRunBus:
    """Publishes through the FastStream broker (trace context goes into the headers) and reads
    ``run_events(run_id)`` and ``run_chunks(run_id)`` in stream order: a run this gateway publishes
    is read from the shared ``RunFeed``; any other (a resume, a late or early reader) with an
    ordered consumer from the stream's first message of that run."""

    def __init__(
        self,
        broker: NatsBroker,
        *,
        declare_streams: bool = True,
        recorder_durable: str = RECORDER_DURABLE,
        ack_wait_seconds: float = 30.0,
        publish_timeout: float = 5.0,
        run_feed: bool = True,
    ) -> None:
        self._broker = broker
        self._publish_timeout = publish_timeout
        self._declare_streams = declare_streams
        self._durable = recorder_durable
        self._ack_wait = ack_wait_seconds
        self._connected = False
        self._consumers: set[asyncio.Task[None]] = set()
        self._feed = RunFeed()
        self._run_feed = run_feed

    async def start(self) -> None:
        await self._broker.connect()
        self._connected = True
        js = self._broker.connection.jetstream()
        if self._declare_streams:
            await ensure_streams(js)
        if self._run_feed:
            await self._feed.start(js, self._broker.connection)

    async def close(self) -> None:
        await self._feed.close()
        for task in list(self._consumers):
            task.cancel()
        await asyncio.gather(*self._consumers, return_exceptions=True)
        if self._connected:
            await self._broker.stop()
            self._connected = False

    @property
    def is_connected(self) -> bool:
        return self._connected and self._broker.connection.is_connected

    async def publish_run(self, request: RunRequested) -> None:
        # Registered before it is published: the feed keeps the run's first events for its reader.
        self._feed.expect(request.run_id)
        try:
            await self._publish_inbox(request, request.run_id)
        except BaseException:
            self._feed.forget(request.run_id)
            raise

    async def publish_resume(self, resume: RunResumeRequested) -> None:
        await self._publish_inbox(resume, resume.event_id)

    async def _publish_inbox(self, event: RunRequested | RunResumeRequested, msg_id: str) -> None:
        try:
            await self._broker.publish(
                event,
                subjects.run_inbox(event.run_id),
                headers={"Nats-Msg-Id": msg_id},
                stream=subjects.RUN_INBOX_STREAM,
                timeout=self._publish_timeout,
            )
        except APIError as exc:
            if exc.err_code == INBOX_FULL_ERR_CODE:
                raise RunQueueFull(str(exc)) from exc
            raise BusUnavailable(str(exc)) from exc
        except (NatsError, OSError, TimeoutError) as exc:
            # Broker down or reconnecting: the run was not accepted, and nothing waits for it.
            raise BusUnavailable(str(exc) or type(exc).__name__) from exc

    async def publish_stop(self, stop: RunStopRequested) -> None:
        await self._broker.publish(
            stop,
            subjects.run_inbox(stop.run_id),
            headers={"Nats-Msg-Id": stop.event_id},
            stream=subjects.RUN_INBOX_STREAM,
        )

    async def last_seq(self, run_id: str) -> int:
        js = self._broker.connection.jetstream()
        try:
            msg = await js.get_last_msg(subjects.RUN_EVENTS_STREAM, subjects.run_events(run_id))
        except NotFoundError:
            return 0
        return decode_run_events(msg.data or b"{}")[-1].seq

    async def events(self, run_id: str, after: int = 0) -> AsyncIterator[RunEvent]:
        order = RunOrder(run_id, after)
        fed = self._feed.claim(run_id) if after == 0 else None
        if fed is not None:
            try:
                async for event in order.read(until_lost(fed)):
                    yield event
            finally:
                self._feed.forget(run_id)
            if order.ended:
                return
            order.read_again()  # the feed was lost (a reconnect): go on from the stream
        js = self._broker.connection.jetstream()
        events_subject, chunks_subject = subjects.run_events(run_id), subjects.run_chunks(run_id)
        # One ordered stream of the run's events and the chunks its tasks relayed beside them.
        sub = await js.subscribe(
            events_subject,
            stream=subjects.RUN_EVENTS_STREAM,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.ALL,
            config=ConsumerConfig(filter_subjects=[events_subject, chunks_subject]),
        )
        try:
            async for event in order.read(sub.messages):
                yield event
        finally:
            await sub.unsubscribe()

    async def announce_recorded(self, run_id: str) -> None:
        # A waiter that misses it still answers after its timeout.
        await self._notice(subjects.run_recorded(run_id), f"run {run_id}'s recorded end")

    async def on_recorded(self, handler: RecordedHandler) -> None:
        async def deliver(msg: Msg) -> None:
            handler(msg.subject.rsplit(".", 1)[-1])

        await self._broker.connection.subscribe(subjects.RUN_RECORDED_ALL, cb=deliver)

    async def announce_grants_changed(self) -> None:
        # A process that misses it answers from memory until its grants expire.
        await self._notice(subjects.GRANTS_CHANGED, "a key or app change")

    async def on_grants_changed(self, handler: Callable[[], None]) -> None:
        async def deliver(_: Msg) -> None:
            handler()

        await self._broker.connection.subscribe(subjects.GRANTS_CHANGED, cb=deliver)

    async def _notice(self, subject: str, what: str) -> None:
        """A best-effort notice on core NATS (not stored)."""
        try:
            await self._broker.connection.publish(subject, b"")
        except (NatsError, OSError) as exc:
            log.warning("could not announce %s: %s", what, exc)

    async def consume_events(self, handler: EventHandler) -> None:
        js = self._broker.connection.jetstream()
        # New durables start at new messages: the recorder owns runs created from now on; after a
        # restart it resumes where it acked, so runs that finished meanwhile are still recorded.
        psub = await js.pull_subscribe(
            subjects.RUN_EVENTS_ALL,
            durable=self._durable,
            stream=subjects.RUN_EVENTS_STREAM,
            config=ConsumerConfig(
                deliver_policy=DeliverPolicy.NEW,
                ack_policy=AckPolicy.EXPLICIT,
                ack_wait=self._ack_wait,
                max_deliver=20,
                max_ack_pending=1024,
            ),
        )
        task = asyncio.create_task(self._pull(psub, handler), name=f"consume-{self._durable}")
        self._consumers.add(task)
        task.add_done_callback(self._consumers.discard)

    async def _pull(self, psub: object, handler: EventHandler) -> None:
        try:
            while True:
                try:
                    messages = await _next_batch(psub)
                except (NatsTimeoutError, TimeoutError):
                    continue
                except Exception:
                    if not self._connected:
                        return
                    log.exception("run events: fetch failed")
                    await asyncio.sleep(0.5)
                    continue
                try:
                    await _handle_batch(messages, handler)
                except Exception:  # an ack lost with the connection: JetStream redelivers
                    log.exception("run events: acknowledging failed")
        finally:
            with contextlib.suppress(Exception):
                await psub.unsubscribe()  # type: ignore[attr-defined]


#: Most messages the recorder handles at once, and how long it waits for those it knows are waiting.
_BATCH, _REST_WAIT = 64, 0.05


async def _next_batch(psub: Any, idle_timeout: float = 5.0) -> list[Msg]:
    """The next message as soon as it is stored, with those already waiting behind it.

    Not one ``fetch(batch=64)``: after an idle fetch timed out, nats-py 2.16 can leave a second
    pull request open on the server, and a later fetch then waits for the rest of its batch until
    its timeout (measured: a run's end recorded ~0.5 s late). A fetch of one returns with the
    first message; the message says how many wait behind it (``num_pending``).
    """
    messages: list[Msg] = await psub.fetch(batch=1, timeout=idle_timeout)
    waiting = messages[-1].metadata.num_pending or 0
    if waiting:
        with contextlib.suppress(NatsTimeoutError, TimeoutError):
            # Another replica may take some of them: wait for the rest only briefly.
            messages += await psub.fetch(batch=min(waiting, _BATCH - 1), timeout=_REST_WAIT)
    return messages


async def _handle_batch(messages: list[Msg], handler: EventHandler) -> None:
    """One fetched batch: different runs at once, so one run's database writes do not hold up
    every other run's; within a run, the events between its ends at once (their writes share a
    transaction), each end only after every event before it (a run's end reads its nodes back).
    A message (one event or a step's events) is acked once all its events were handled."""
    by_run: dict[str, list[tuple[Msg, RunEvent | None]]] = {}
    for msg in messages:
        try:
            events: list[RunEvent | None] = list(decode_run_events(msg.data))
        except ValueError:
            events = [None]  # malformed: nak'ed below, like a failed handler
        for event in events:
            by_run.setdefault(event.run_id if event is not None else "", []).append((msg, event))
    failed: set[int] = set()  # ids of messages with an event that failed (Msg is not hashable)
    await asyncio.gather(*(_handle_run(items, handler, failed) for items in by_run.values()))
    for msg in messages:
        if id(msg) in failed:
            await msg.nak(delay=1.0)
        else:
            await msg.ack()


async def _handle_run(
    items: list[tuple[Msg, RunEvent | None]], handler: EventHandler, failed: set[int]
) -> None:
    group: list[tuple[Msg, RunEvent | None]] = []
    for msg, event in items:
        if event is not None and event.is_terminal:
            await asyncio.gather(*(_handle_one(m, e, handler, failed) for m, e in group))
            group = []
            await _handle_one(msg, event, handler, failed)
        else:
            group.append((msg, event))
    await asyncio.gather(*(_handle_one(m, e, handler, failed) for m, e in group))


async def _handle_one(msg: Msg, event: RunEvent | None, handler: EventHandler, failed: set[int]) -> None:
    try:
        if event is None:
            raise ValueError(f"not a RunEvent: {msg.data[:200]!r}")
        await handler(event)
    except Exception:
        log.exception("run events: handler failed; redelivering")
        failed.add(id(msg))
