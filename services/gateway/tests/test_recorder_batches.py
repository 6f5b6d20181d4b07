"""The recorder's fetched batches: different runs at once; within a run, the events before its end at
once and the end after them; an ack (or a nak) per event."""

from __future__ import annotations

import asyncio
import time

import nats
import pytest
from nats.aio.msg import Msg
from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.adapters.nats_bus import _handle_batch

pytestmark = pytest.mark.integration


def _event(run_id: str, seq: int, name: str = "node_finished") -> bytes:
    return (
        RunEvent(run_id=run_id, task_id="t", seq=seq, event=name, created_at=int(time.time()))
        .model_dump_json()
        .encode()
    )


async def test_runs_at_once_and_a_run_end_after_its_events(nats_url) -> None:
    nc = await nats.connect(nats_url)
    replies: list[tuple[str, bytes]] = []

    async def on_reply(msg: Msg) -> None:
        replies.append((msg.subject, msg.data))

    await nc.subscribe("acks.>", cb=on_reply)

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
