"""Restart nats-server in the middle of a load: every run still finishes, once, with the right outputs."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import pytest
from riverflow.runtime.nats_server import NatsServerProcess

from tests.conftest import sse_events
from tests.platform import Platform

pytestmark = pytest.mark.integration

RUNS = 60


async def _blocking_run(client: httpx.AsyncClient, key: str, query: str) -> dict:
    # Blocking runs ride out the outage on the gateway side; a retry covers a request that
    # arrived while the broker was down (the gateway answers 5xx then, it must not hang).
    for _ in range(60):
        response = await client.post(
            "/v1/workflows/run",
            json={"inputs": {"query": query}, "response_mode": "blocking", "user": "restart"},
            headers={"Authorization": f"Bearer {key}"},
        )
        if response.status_code == 200:
            return response.json()
        assert response.status_code >= 500, response.text
        await asyncio.sleep(0.5)
    raise AssertionError(f"run {query} never went through")


async def test_runs_survive_a_nats_restart(tmp_path: Path, fixtures_dir: Path) -> None:
    nats = NatsServerProcess(tmp_path / "nats", log_file=tmp_path / "nats.log").start()
    platform = Platform(nats.url, tmp_path)
    platform.start("gateway")
    platform.start("orchestrator")
    try:
        platform.wait_for_gateway()
        key = platform.import_app(fixtures_dir / "simple_passthrough_workflow.yml")["api_key"]
        async with httpx.AsyncClient(base_url=platform.base_url, timeout=120) as client:
            runs = [asyncio.create_task(_blocking_run(client, key, f"r{i}")) for i in range(RUNS)]
            await asyncio.sleep(0.3)
            nats.stop()
            time.sleep(1.0)
            nats.start()
            results = await asyncio.wait_for(asyncio.gather(*runs), timeout=150)
        for i, body in enumerate(results):
            assert body["data"]["status"] == "succeeded", body
            assert body["data"]["outputs"] == {"query": f"r{i}"}

        # And the platform still works normally after the outage.
        with httpx.stream(
            "POST",
            f"{platform.base_url}/v1/workflows/run",
            json={"inputs": {"query": "after"}, "response_mode": "streaming", "user": "restart"},
            headers={"Authorization": f"Bearer {key}"},
            timeout=30,
        ) as response:
            events = list(sse_events(response.iter_lines()))
        assert events[-1]["data"]["outputs"] == {"query": "after"}
    finally:
        platform.stop_all()
        nats.stop()
