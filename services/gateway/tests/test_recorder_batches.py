"""The recorder's fetched batches: different runs at once; within a run, the events before its end at
once and the end after them; an ack (or a nak) per message, which may hold a step's events."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid

import nats
import pytest
from nats.aio.msg import Msg
from nats.js.api import AckPolicy, ConsumerConfig, DeliverPolicy
from riverflow.contracts.events.v1 import RunEvent, encode_run_events
from riverflow.gateway.adapters.nats_bus import _handle_batch, _next_batch

pytestmark = pytest.mark.integration


def _event(run_id: str, seq: int, name: str = "node_finished") -> bytes:
    return (
        RunEvent(run_id=run_id, task_id="t", seq=seq, event=name, created_at=int(time.time()))
        .model_dump_json()
        .encode()
    )


async def _answers(nc: nats.NATS) -> list[tuple[str, bytes]]:
    """What the test's messages were answered (an ack or a nak), as (reply subject, data)."""
    replies: list[tuple[str, bytes]] = []

    async def on_reply(msg: Msg) -> None:
        replies.append((msg.subject, msg.data))

    await nc.subscribe("acks.>", cb=on_reply)
    return replies


async def test_runs_at_once_and_a_run_end_after_its_events(nats_url) -> None:
    nc = await nats.connect(nats_url)
    replies = await _answers(nc)

    def message(i: int, data: bytes) -> Msg:
        return Msg(_client=nc, subject="rf.v1.runs.events.x", reply=f"acks.{i}", data=data)

    # Run a: two node events, its end (seq 5), one more event; run b: four node events.
    names = {5: "workflow_finished"}
    batch = [message(i, _event("a" if i % 2 else "b", i, names.get(i, "node_finished"))) for i in range(1, 9)]
    batch.append(message(9, b"not json"))
    seen: list[tuple[str, int]] = []
    b_started = asyncio.Event()

    async def handler(event: RunEvent) -> None:
        if event.run_id == "a" and event.seq == 1:
            # Would never finish if run b waited behind run a, or a's seq 3 behind its seq 1.
            await asyncio.wait_for(b_started.wait(), 5)
        if event.run_id == "b":
            b_started.set()
        if event.seq == 7:
            raise RuntimeError("the store is down")
        seen.append((event.run_id, event.seq))

    await _handle_batch(batch, handler)
    await nc.flush()
    for _ in range(200):  # every message answered once: an ack or a nak
        if len(replies) >= len(batch):
            break
        await asyncio.sleep(0.05)
    await nc.close()

    assert sorted(s for r, s in seen if r == "a") == [1, 3, 5]  # 7 failed
    assert [s for r, s in seen if r == "b"] == [2, 4, 6, 8]
    assert seen.index(("b", 2)) < seen.index(("a", 1))  # b went on while a waited
    assert seen.index(("a", 3)) < seen.index(("a", 1))  # so did a's next event
    assert seen.index(("a", 5)) > seen.index(("a", 1))  # a's end only after everything before it
    acks = dict(replies)
    # An ack is an empty reply (JetStream's +ACK), a nak "-NAK" with the redelivery delay.
    assert {int(s.split(".")[1]) for s, d in acks.items() if d == b""} == {1, 2, 3, 4, 5, 6, 8}
    assert {int(s.split(".")[1]) for s, d in acks.items() if d.startswith(b"-NAK")} == {7, 9}


async def test_a_step_message_is_acked_once_after_all_its_events(nats_url) -> None:
    nc = await nats.connect(nats_url)
    replies = await _answers(nc)

    def step(i: int, run_id: str, names: list[str]) -> Msg:
        events = [
            RunEvent(run_id=run_id, task_id="t", seq=n, event=name, created_at=0)
            for n, name in enumerate(names, start=1)
        ]
        [packed] = encode_run_events(events, max_bytes=1 << 20)
        return Msg(_client=nc, subject=f"rf.v1.runs.events.{run_id}", reply=f"acks.{i}", data=packed.data)

    # Run a's whole run in one message; run b's step has an event the store refuses.
    batch = [
        step(1, "a", ["workflow_started", "node_finished", "node_finished", "workflow_finished"]),
        step(2, "b", ["workflow_started", "node_finished", "node_finished"]),
    ]
    seen: list[tuple[str, int]] = []

    async def handler(event: RunEvent) -> None:
        if event.run_id == "b" and event.seq == 2:
            raise RuntimeError("the store is down")
        seen.append((event.run_id, event.seq))

    await _handle_batch(batch, handler)
    await nc.flush()
    for _ in range(200):
        if len(replies) >= len(batch):
            break
        await asyncio.sleep(0.05)
    await asyncio.sleep(0.1)  # a second answer to either message would arrive by now
    await nc.close()

    assert [s for r, s in seen if r == "a"][-1] == 4  # the end after the events before it
    assert sorted(s for r, s in seen if r == "a") == [1, 2, 3, 4]
    assert sorted(s for r, s in seen if r == "b") == [1, 3]
    # One answer per message: the whole step is redelivered when any of its events failed.
    answers = sorted(replies)
    assert [subject for subject, _ in answers] == ["acks.1", "acks.2"]
    assert answers[0][1] == b""
    assert answers[1][1].startswith(b"-NAK")


async def test_a_lone_message_is_fetched_when_stored_even_with_a_pull_request_left_over(nats_url) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = f"T{uuid.uuid4().hex[:8]}"
    await js.add_stream(name=stream, subjects=[f"{stream}.>"])
    psub = await js.pull_subscribe(
        f"{stream}.>",
        durable="recorder",
        stream=stream,
        config=ConsumerConfig(deliver_policy=DeliverPolicy.NEW, ack_policy=AckPolicy.EXPLICIT),
    )
    # What an idle fetch that timed out can leave behind (nats-py 2.16): a pull request for a
    # batch, still open on the server, delivering to the subscription's inbox.
    await nc.publish(
        f"$JS.API.CONSUMER.MSG.NEXT.{stream}.recorder",
        json.dumps({"batch": 64, "expires": 10_000_000_000}).encode(),
        reply=psub._deliver,  # noqa: SLF001 - the inbox the left-over request answers on
    )
    fetched: list[list[bytes]] = []

    async def pull() -> None:
        while len(fetched) < 3:
            with contextlib.suppress(TimeoutError, nats.errors.TimeoutError):
                messages = await _next_batch(psub, idle_timeout=5.0)
                fetched.append([m.data for m in messages])
                for m in messages:
                    await m.ack()

    puller = asyncio.create_task(pull())
    await asyncio.sleep(0.1)
    for i in range(3):
        await js.publish(f"{stream}.x", str(i).encode())
        await asyncio.sleep(0.3)
    await asyncio.wait_for(puller, 10)
    await js.delete_stream(stream)
    await nc.close()
    # Each alone: a fetch that waited for the rest of a batch would hand two over together.
    assert fetched == [[b"0"], [b"1"], [b"2"]]


async def test_messages_waiting_behind_the_first_come_with_it(nats_url) -> None:
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    stream = f"T{uuid.uuid4().hex[:8]}"
    await js.add_stream(name=stream, subjects=[f"{stream}.>"])
    psub = await js.pull_subscribe(f"{stream}.>", durable="recorder", stream=stream)
    for i in range(100):
        await js.publish(f"{stream}.x", str(i).encode())
    first = await _next_batch(psub, idle_timeout=1.0)
    second = await _next_batch(psub, idle_timeout=1.0)
    await js.delete_stream(stream)
    await nc.close()
    assert [m.data for m in first + second] == [str(i).encode() for i in range(100)]
    assert len(first) == 64
