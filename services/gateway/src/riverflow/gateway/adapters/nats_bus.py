"""``RunBus`` on NATS JetStream: publish to the run inbox, read the run's event subject."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable

from faststream.nats import NatsBroker
from nats.aio.msg import Msg
from nats.errors import Error as NatsError
from nats.errors import TimeoutError as NatsTimeoutError
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from nats.js.errors import APIError, NotFoundError
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import RunEvent, RunRequested, RunResumeRequested, RunStopRequested
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
        return RunEvent.model_validate_json(msg.data or b"{}").seq

    async def events(self, run_id: str, after: int = 0) -> AsyncIterator[RunEvent]:
        order = _RunOrder(run_id, after)
        fed = self._feed.claim(run_id) if after == 0 else None
        if fed is not None:
            try:
                async for event in order.read(_until_lost(fed)):
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
        # Core NATS, not stored: a waiter that misses it still answers after its timeout.
        try:
            await self._broker.connection.publish(subjects.run_recorded(run_id), b"")
        except (NatsError, OSError) as exc:
            log.warning("run %s: could not announce its recorded end: %s", run_id, exc)

    async def on_recorded(self, handler: RecordedHandler) -> None:
        async def deliver(msg: Msg) -> None:
            handler(msg.subject.rsplit(".", 1)[-1])

        await self._broker.connection.subscribe(subjects.RUN_RECORDED_ALL, cb=deliver)

    async def announce_grants_changed(self) -> None:
        # Core NATS: a process that misses it answers from memory until its grants expire.
        try:
            await self._broker.connection.publish(subjects.GRANTS_CHANGED, b"")
        except (NatsError, OSError) as exc:
            log.warning("could not announce a key or app change: %s", exc)

    async def on_grants_changed(self, handler: Callable[[], None]) -> None:
        async def deliver(_: Msg) -> None:
            handler()

        await self._broker.connection.subscribe(subjects.GRANTS_CHANGED, cb=deliver)

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
                    messages = await psub.fetch(batch=64, timeout=1.0)  # type: ignore[attr-defined]
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


async def _handle_batch(messages: list[Msg], handler: EventHandler) -> None:
    """One fetched batch: different runs at once, so one run's database writes do not hold up
    every other run's; within a run, the events between its ends at once (their writes share a
    transaction), each end only after every event before it (a run's end reads its nodes back)."""
    by_run: dict[str, list[tuple[Msg, RunEvent | None]]] = {}
    for msg in messages:
        try:
            event: RunEvent | None = RunEvent.model_validate_json(msg.data)
        except ValueError:
            event = None  # malformed: nak'ed below, like a failed handler
        by_run.setdefault(event.run_id if event is not None else "", []).append((msg, event))
    await asyncio.gather(*(_handle_run(items, handler) for items in by_run.values()))


async def _handle_run(items: list[tuple[Msg, RunEvent | None]], handler: EventHandler) -> None:
    group: list[tuple[Msg, RunEvent | None]] = []
    for msg, event in items:
        if event is not None and event.is_terminal:
            await asyncio.gather(*(_handle_one(m, e, handler) for m, e in group))
            group = []
            await _handle_one(msg, event, handler)
        else:
            group.append((msg, event))
    await asyncio.gather(*(_handle_one(m, e, handler) for m, e in group))


async def _handle_one(msg: Msg, event: RunEvent | None, handler: EventHandler) -> None:
    try:
        if event is None:
            raise ValueError(f"not a RunEvent: {msg.data[:200]!r}")
        await handler(event)
    except Exception:
        log.exception("run events: handler failed; redelivering")
        await msg.nak(delay=1.0)
    else:
        await msg.ack()


async def _until_lost(queue: asyncio.Queue[Msg | None]) -> AsyncIterator[Msg]:
    """A run's messages from the feed, until the feed says it was lost (``None``)."""
    while (msg := await queue.get()) is not None:
        yield msg


class _RunOrder:
    """Which of a run's stream messages its reader yields: each event once, in ``seq`` order, up to
    the terminal one, and the chunks beside them; after a ``read_again`` from the stream's start,
    none it already yielded (the stream's order is the same, so those are its first chunks)."""

    def __init__(self, run_id: str, after: int) -> None:
        self._chunks_subject = subjects.run_chunks(run_id)
        self._after = self._last_seq = after
        self._chunks_yielded = 0
        self._skip_chunks = 0
        self.ended = False

    def read_again(self) -> None:
        self._skip_chunks = self._chunks_yielded

    async def read(self, messages: AsyncIterator[Msg]) -> AsyncIterator[RunEvent]:
        """What ``messages`` add to the run's events, until its terminal one."""
        async for msg in messages:
            event = self.accept(msg)
            if event is not None:
                yield event
            if self.ended:
                return

    def accept(self, msg: Msg) -> RunEvent | None:
        event = RunEvent.model_validate_json(msg.data)
        if msg.subject == self._chunks_subject:
            # A relayed chunk carries the seq of the event it follows; JetStream already dropped
            # re-sent copies, so only a run's earlier part (``after``) is skipped.
            if event.seq <= self._after:
                return None
            if self._skip_chunks:
                self._skip_chunks -= 1
                return None
            self._chunks_yielded += 1
            return event
        if event.seq <= self._last_seq:  # a re-published duplicate, or before ``after``
            return None
        self._last_seq = event.seq
        self.ended = event.is_terminal
        return event


class RunFeed:
    """One ordered consumer over every run's events and chunks, from the gateway's start on.

    A run this gateway publishes is registered first (``expect``); its messages queue until its
    reader ``claim``s them, in stream order, so a run costs no consumer of its own (creating and
    deleting one per run was most of nats-server's work for a short run). Messages of runs nobody
    here expects are dropped unread. Registrations nobody claimed (a client gone before its
    stream began) are forgotten oldest first past ``limit``.

    After a reconnect the server may have lost the consumer and what it held: every queue gets
    ``None`` (its reader goes on with a consumer of its own) and a new consumer takes over.
    """

    def __init__(self, limit: int = 10_000, check_every: float = 0.25) -> None:
        self._limit, self._check_every = limit, check_every
        self._waiting: OrderedDict[str, asyncio.Queue[Msg | None]] = OrderedDict()
        self._reading: dict[str, asyncio.Queue[Msg | None]] = {}
        self._sub: object | None = None
        self._generation = 0
        self._reconnects = 0
        self._watch: asyncio.Task[None] | None = None

    async def start(self, js: object, connection: object) -> None:
        await self._subscribe(js, connection)
        self._watch = asyncio.create_task(self._watch_reconnects(js, connection), name="run-feed")

    async def close(self) -> None:
        if self._watch is not None:
            self._watch.cancel()
            await asyncio.gather(self._watch, return_exceptions=True)
        await self._drop()

    def expect(self, run_id: str) -> None:
        if self._sub is None or run_id in self._waiting or run_id in self._reading:
            return  # no feed (readers use their own consumer), or published again: keep it
        self._waiting[run_id] = asyncio.Queue()
        while len(self._waiting) > self._limit:
            self._waiting.popitem(last=False)

    def claim(self, run_id: str) -> asyncio.Queue[Msg | None] | None:
        queue = self._waiting.pop(run_id, None)
        if queue is not None:
            self._reading[run_id] = queue
        return queue

    def forget(self, run_id: str) -> None:
        self._waiting.pop(run_id, None)
        self._reading.pop(run_id, None)

    async def _subscribe(self, js: object, connection: object) -> None:
        self._generation += 1
        generation = self._generation

        async def deliver(msg: Msg) -> None:
            if generation != self._generation:
                return  # a replaced consumer's late message
            run_id = msg.subject.rsplit(".", 1)[-1]
            queue = self._reading.get(run_id)
            if queue is None:
                queue = self._waiting.get(run_id)
            if queue is not None:
                queue.put_nowait(msg)

        self._reconnects = connection.stats["reconnects"]  # type: ignore[attr-defined]
        self._sub = await js.subscribe(  # type: ignore[attr-defined]
            subjects.RUN_EVENTS_ALL,
            stream=subjects.RUN_EVENTS_STREAM,
            ordered_consumer=True,
            deliver_policy=DeliverPolicy.NEW,
            config=ConsumerConfig(filter_subjects=[subjects.RUN_EVENTS_ALL, subjects.RUN_CHUNKS_ALL]),
            cb=deliver,
        )

    async def _drop(self) -> None:
        """Stop feeding: readers waiting on this feed go on with a consumer of their own."""
        self._generation += 1
        sub, self._sub = self._sub, None
        for queue in (*self._waiting.values(), *self._reading.values()):
            queue.put_nowait(None)
        self._waiting.clear()
        self._reading.clear()
        if sub is not None:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()  # type: ignore[attr-defined]

    async def _watch_reconnects(self, js: object, connection: object) -> None:
        while True:
            await asyncio.sleep(self._check_every)
            lost = connection.stats["reconnects"] != self._reconnects  # type: ignore[attr-defined]
            if lost:
                await self._drop()
            if self._sub is None and connection.is_connected:  # type: ignore[attr-defined]
                try:
                    await self._subscribe(js, connection)
                except Exception as exc:  # JetStream not back yet: the next check tries again
                    log.warning("run feed: could not subscribe again: %s", exc)
