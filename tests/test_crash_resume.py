"""SIGKILL the orchestrator while runs are queued: every run completes, none is lost or run twice."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import nats
import pytest
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import decode_run_events
from riverflow.runtime.streams import read_subject

from tests.conftest import sse_events
from tests.platform import Platform

pytestmark = pytest.mark.integration

RUNS = 200


async def _stream_run(client: httpx.AsyncClient, key: str, query: str, finished: list[str]) -> list[dict]:
    async with client.stream(
        "POST",
        "/v1/workflows/run",
        json={"inputs": {"query": query}, "response_mode": "streaming", "user": "load"},
        headers={"Authorization": f"Bearer {key}"},
    ) as response:
        assert response.status_code == 200, await response.aread()
        lines = [line async for line in response.aiter_lines()]
    events = list(sse_events(iter(lines)))
    finished.append(query)
    return events


async def _count_per_subject(nats_url: str, stream: str) -> dict[str, int]:
    nc = await nats.connect(nats_url)
    try:
        info = await nc.jetstream().stream_info(stream, subjects_filter=">")
        return dict(info.state.subjects or {})
    finally:
        await nc.close()


async def _stored_seqs(nats_url: str, run_ids: set[str]) -> dict[str, list[int]]:
    """Each run's stored run events, as their seqs in stream order (a message may hold several)."""
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        return {
            run_id: [
                e.seq
                for m in await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_events(run_id))
                for e in decode_run_events(m.data or b"")
            ]
            for run_id in run_ids
        }
    finally:
        await nc.close()


async def test_orchestrator_sigkill_loses_and_repeats_nothing(
    nats_url: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    platform = Platform(nats_url, tmp_path)
    platform.start("gateway")
    try:
        platform.wait_for_gateway()
        key = platform.import_app(fixtures_dir / "simple_passthrough_workflow.yml")["api_key"]
        finished: list[str] = []
        limits = httpx.Limits(max_connections=RUNS + 10)
        async with httpx.AsyncClient(base_url=platform.base_url, timeout=120, limits=limits) as client:
            runs = [asyncio.create_task(_stream_run(client, key, f"q{i}", finished)) for i in range(RUNS)]
            await asyncio.sleep(1.0)  # every request queued in JetStream; no orchestrator yet
            assert not finished

            orchestrator = platform.start("orchestrator")
            deadline = time.monotonic() + 60
            while not finished and time.monotonic() < deadline:
                await asyncio.sleep(0.005)
            orchestrator.kill()
            finished_at_kill = len(finished)
            assert 0 < finished_at_kill < RUNS, "the kill must land in the middle of the batch"

            platform.start("orchestrator")
            results = await asyncio.wait_for(asyncio.gather(*runs), timeout=120)

        run_ids = set()
        for i, events in enumerate(results):
            names = [e["event"] for e in events]
            assert names.count("workflow_started") == 1 and names[-1] == "workflow_finished", names
            assert events[-1]["data"]["status"] == "succeeded"
            assert events[-1]["data"]["outputs"] == {"query": f"q{i}"}
            run_ids.add(events[0]["workflow_run_id"])
        assert len(run_ids) == RUNS

        # Each run's log holds its request exactly once: nothing was applied twice.
        log_counts = await _count_per_subject(nats_url, subjects.RUN_LOG_STREAM)
        assert all(log_counts.get(subjects.run_log(r)) == 1 for r in run_ids)
        # And each run published its 7 events exactly once, despite the redeliveries.
        stored = await _stored_seqs(nats_url, run_ids)
        assert all(seqs == list(range(1, 8)) for seqs in stored.values()), stored
    finally:
        platform.stop_all()
