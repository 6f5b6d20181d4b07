"""`riverflow replay`: a recorded run replays identically from its log; a changed record is reported."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from riverflow.cli.replay import compare, replay_events
from riverflow.contracts.events.v1 import RunRequested

from tests.platform import Platform

pytestmark = pytest.mark.integration


def _replay(run_id: str, nats_url: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "riverflow.cli", "replay", run_id, "--nats-url", nats_url],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_recorded_run_replays_identically(platform: Platform, fixtures_dir: Path, nats_url: str) -> None:
    app = platform.import_app(fixtures_dir / "conditional_hello_branching_workflow.yml")
    body = httpx.post(
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": {"query": "hello replay"}, "response_mode": "blocking", "user": "r"},
        headers={"Authorization": f"Bearer {app['api_key']}"},
        timeout=30,
    ).json()
    result = _replay(body["workflow_run_id"], nats_url)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "identical" in result.stdout

    unknown = _replay("no-such-run", nats_url)
    assert unknown.returncode == 2 and "no event log" in unknown.stderr


def test_divergence_is_reported_at_the_first_differing_event(fixtures_dir: Path) -> None:
    request = RunRequested(
        event_id="r1",
        run_id="r1",
        task_id="t1",
        app_id="a",
        workflow_id="w",
        dsl=(fixtures_dir / "simple_passthrough_workflow.yml").read_text(),
        inputs={"query": "x"},
        at=100.0,
    )
    recorded = replay_events([request.model_dump_json().encode()])
    assert compare(recorded, replay_events([request.model_dump_json().encode()])) is None

    tampered = list(recorded)
    tampered[-1] = tampered[-1].model_copy(update={"data": {**tampered[-1].data, "outputs": {"query": "y"}}})
    divergence = compare(tampered, recorded)
    assert divergence is not None and divergence.seq == len(recorded)
    assert divergence.recorded["data"]["outputs"] == {"query": "y"}
    assert compare(recorded[:-1], recorded).seq == len(recorded)
