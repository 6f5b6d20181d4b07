"""Reading a run's stream in order: ``RunOrder`` (each event once, up to the terminal one, chunks
beside them) and ``RunFeed`` (one ordered consumer over every run this gateway publishes)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import OrderedDict
from collections.abc import AsyncIterator

from nats.aio.msg import Msg
from nats.js.api import ConsumerConfig, DeliverPolicy
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import RunEvent, decode_run_events

__all__ = ["RunFeed", "RunOrder", "until_lost"]

log = logging.getLogger("riverflow.gateway.run_feed")


async def until_lost(queue: asyncio.Queue[Msg | None]) -> AsyncIterator[Msg]:
    """A run's messages from the feed, until the feed says it was lost (``None``)."""
    while (msg := await queue.get()) is not None:
        yield msg


class RunOrder:
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
            for event in self.accept(msg):
                yield event
            if self.ended:
                return

    def accept(self, msg: Msg) -> list[RunEvent]:
        """The message's events not yielded yet, up to the run's terminal one."""
        if msg.subject == self._chunks_subject:
            return self._accept_chunk(RunEvent.model_validate_json(msg.data))
        accepted = []
        for event in decode_run_events(msg.data):
            if event.seq <= self._last_seq:  # a re-published duplicate, or before ``after``
                continue
            self._last_seq = event.seq
            accepted.append(event)
            if event.is_terminal:
                self.ended = True
                break
        return accepted

    def _accept_chunk(self, event: RunEvent) -> list[RunEvent]:
        # A relayed chunk carries the seq of the event it follows; JetStream already dropped
        # re-sent copies, so only a run's earlier part (``after``) is skipped.
        if event.seq <= self._after:
            return []
        if self._skip_chunks:
            self._skip_chunks -= 1
            return []
        self._chunks_yielded += 1
        return [event]


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
