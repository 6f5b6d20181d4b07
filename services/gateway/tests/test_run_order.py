"""RunOrder: which of a run's stream messages its reader yields, when a message holds a step's
events, a relayed chunk, or a copy of what was already read."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

from nats.aio.msg import Msg
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import RunEvent, encode_run_events
from riverflow.gateway.adapters.run_feed import RunOrder

RUN = "run-1"


def _step(*seq_names: tuple[int, str]) -> Msg:
    events = [RunEvent(run_id=RUN, task_id="t", seq=s, event=n, created_at=0) for s, n in seq_names]
    [message] = encode_run_events(events, max_bytes=1 << 20)
    return Msg(_client=None, subject=subjects.run_events(RUN), data=message.data)


def _chunk(after_seq: int) -> Msg:
    event = RunEvent(run_id=RUN, task_id="t", seq=after_seq, event="text_chunk", created_at=0)
    return Msg(_client=None, subject=subjects.run_chunks(RUN), data=event.model_dump_json().encode())


def _read(order: RunOrder, *messages: Msg) -> list[tuple[int, str]]:
    async def given() -> AsyncIterator[Msg]:
        for msg in messages:
            yield msg

    async def read() -> list[tuple[int, str]]:
        return [(e.seq, e.event) async for e in order.read(given())]

    return asyncio.run(read())


def test_a_step_is_read_event_by_event_and_a_copy_adds_nothing() -> None:
    first = _step((1, "workflow_started"), (2, "node_started"), (3, "node_finished"))
    order = RunOrder(RUN, after=0)
    read = _read(order, first, _chunk(3), first, _step((4, "workflow_finished")))
    assert read == [
        (1, "workflow_started"),
        (2, "node_started"),
        (3, "node_finished"),
        (3, "text_chunk"),
        (4, "workflow_finished"),
    ]
    assert order.ended


def test_reading_stops_at_the_terminal_event_inside_a_step() -> None:
    order = RunOrder(RUN, after=0)
    read = _read(order, _step((1, "workflow_started"), (2, "workflow_finished"), (3, "error")))
    assert read == [(1, "workflow_started"), (2, "workflow_finished")]
    assert order.ended


def test_a_reader_from_a_later_seq_skips_the_part_of_a_step_it_has() -> None:
    order = RunOrder(RUN, after=2)
    step = _step((1, "workflow_started"), (2, "node_started"), (3, "node_finished"))
    assert _read(order, step, _chunk(2), _chunk(3)) == [(3, "node_finished"), (3, "text_chunk")]
    assert not order.ended
