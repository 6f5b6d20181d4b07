"""Two gateway replicas on one database and one NATS: they share the run recorder's consumer, so a
run's end is often written by the replica that did not take its request. Every response still
ends as soon as the run's end is recorded (not after the read-your-writes timeout), and the
run reads back finished from the replica that answered it."""

from __future__ import annotations

import asyncio
import json
import socket
import time
from pathlib import Path

import httpx
import pytest
from riverflow.runtime.nats_server import free_port

from tests.platform import Platform, ServiceProcess

pytestmark = [pytest.mark.integration, pytest.mark.timeout(600)]

RUNS = 16


def _wait_listening(port: int, service: ServiceProcess, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.3):
                return
        except OSError:
            assert service.proc is not None and service.proc.poll() is None, service.log()
            time.sleep(0.1)
    raise TimeoutError(service.log())


async def _run(client: httpx.AsyncClient, base: str, key: str, query: str) -> str:
    body = {"inputs": {"query": query}, "response_mode": "streaming", "user": "u"}
    headers = {"Authorization": f"Bearer {key}"}
    events = []
    # Without the cross-replica notice, about half of these streams stay open for the whole
    # recorder wait (raised to 300 s below) after their last event, and time out here.
    async with client.stream("POST", f"{base}/v1/workflows/run", json=body, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                events.append(json.loads(line[6:]))
    assert events[-1]["event"] == "workflow_finished", events
    run_id = events[-1]["workflow_run_id"]
    detail = (await client.get(f"{base}/v1/workflows/run/{run_id}", headers=headers)).json()
    assert (detail["status"], detail["outputs"]) == ("succeeded", {"query": query}), detail
    return run_id


async def test_each_replica_answers_once_the_run_is_recorded_by_either(
    nats_url: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    platform = Platform(nats_url, tmp_path, {"GATEWAY_RECORDER_WAIT_SECONDS": "300"})
    platform.start("gateway")
    try:
        platform.wait_for_gateway()
        key = platform.import_app(fixtures_dir / "simple_passthrough_workflow.yml")["api_key"]
        second_port = free_port()
        second = ServiceProcess(
            "gateway", {**platform.env, "GATEWAY_PORT": str(second_port)}, tmp_path, "gw-2"
        )
        platform.services["gw-2"] = second.start()
        _wait_listening(second_port, second)
        platform.start("orchestrator")
        bases = [platform.base_url, f"http://127.0.0.1:{second_port}"]
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as client:
            runs = [_run(client, bases[i % 2], key, f"q{i}") for i in range(RUNS)]
            run_ids = await asyncio.gather(*runs)
        assert len(set(run_ids)) == RUNS
    finally:
        platform.stop_all()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


async def test_gateway_workers_serve_one_port_as_replicas(
    nats_url: str, tmp_path: Path, fixtures_dir: Path
) -> None:
    """GATEWAY_WORKERS=2: one port, two worker processes prepared once (one console token, one
    database schema), each answering as soon as either recorded the run."""
    env = {"GATEWAY_WORKERS": "2", "GATEWAY_RECORDER_WAIT_SECONDS": "300"}
    platform = Platform(nats_url, tmp_path, env)
    gateway = platform.start("gateway")
    try:
        platform.wait_for_gateway()
        assert gateway.proc is not None
        key = platform.import_app(fixtures_dir / "simple_passthrough_workflow.yml")["api_key"]
        platform.start("orchestrator")
        async with httpx.AsyncClient(timeout=httpx.Timeout(60.0)) as client:
            runs = [_run(client, platform.base_url, key, f"q{i}") for i in range(RUNS)]
            assert len(set(await asyncio.gather(*runs))) == RUNS
        cmdlines = [Path(f"/proc/{p}/cmdline").read_text() for p in _children(gateway.proc.pid)]
        assert sum("multiprocessing.spawn" in c for c in cmdlines) == 2, cmdlines  # the two workers
    finally:
        platform.stop_all()
