"""One conformance suite for the RunLog port, run against every implementation."""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import nats
import pytest
from riverflow.contracts.events.v1 import RunStopRequested
from riverflow.orchestrator.adapters.jetstream import JetStreamRunLog
from riverflow.orchestrator.adapters.memory import InMemoryRunLog
from riverflow.orchestrator.ports import LogConflict, RunLog
from riverflow.runtime.streams import ensure_streams


def _event(run_id: str, n: int) -> RunStopRequested:
    return RunStopRequested(event_id=f"{run_id}-{n}", run_id=run_id, at=time.time())


@pytest.fixture(params=["memory", pytest.param("jetstream", marks=pytest.mark.integration)])
async def run_log(request: pytest.FixtureRequest) -> AsyncIterator[RunLog]:
    if request.param == "memory":
        yield InMemoryRunLog()
        return
    nc = await nats.connect(request.getfixturevalue("nats_url"))
    js = nc.jetstream()
    await ensure_streams(js)
    yield JetStreamRunLog(js)
    await nc.close()


async def test_unknown_run_has_an_empty_log(run_log: RunLog) -> None:
    assert await run_log.read(uuid.uuid4().hex) == []


async def test_appends_are_read_back_in_order(run_log: RunLog) -> None:
    run_id = uuid.uuid4().hex
    first = await run_log.append(run_id, _event(run_id, 1), 0)
    second = await run_log.append(run_id, _event(run_id, 2), first)
    entries = await run_log.read(run_id)
    assert [e.seq for e in entries] == [first, second] and first < second
    assert [e.event.event_id for e in entries] == [f"{run_id}-1", f"{run_id}-2"]


async def test_stale_expected_seq_is_a_conflict(run_log: RunLog) -> None:
    run_id = uuid.uuid4().hex
    first = await run_log.append(run_id, _event(run_id, 1), 0)
    with pytest.raises(LogConflict):
        await run_log.append(run_id, _event(run_id, 2), 0)
    with pytest.raises(LogConflict):
        await run_log.append(run_id, _event(run_id, 2), first + 1000)
    assert len(await run_log.read(run_id)) == 1


async def test_runs_do_not_see_each_other(run_log: RunLog) -> None:
    a, b = uuid.uuid4().hex, uuid.uuid4().hex
    await run_log.append(a, _event(a, 1), 0)
    # b's log is empty although the stream moved on: the fence is per run.
    await run_log.append(b, _event(b, 1), 0)
    assert [e.event.run_id for e in await run_log.read(a)] == [a]
    assert [e.event.run_id for e in await run_log.read(b)] == [b]
