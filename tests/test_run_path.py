"""The run path for real: HTTP → gateway → JetStream → orchestrator → JetStream → gateway → SSE/JSON."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import sse_events
from tests.platform import Platform

pytestmark = pytest.mark.integration


def _run(platform: Platform, key: str, inputs: dict, mode: str) -> httpx.Response:
    return httpx.post(
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": inputs, "response_mode": mode, "user": "alice"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


def _stream(platform: Platform, key: str, inputs: dict) -> list[dict]:
    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": inputs, "response_mode": "streaming", "user": "alice"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        return list(sse_events(response.iter_lines()))


def test_passthrough_streams_dify_events(platform: Platform, fixtures_dir: Path) -> None:
    app = platform.import_app(fixtures_dir / "simple_passthrough_workflow.yml")
    events = _stream(platform, app["api_key"], {"query": "hello river"})

    names = [e["event"] for e in events]
    assert names == [
        "workflow_started",
        "node_started",
        "text_chunk",
        "node_finished",
        "node_started",
        "node_finished",
        "workflow_finished",
    ]
    run_ids = {e["workflow_run_id"] for e in events}
    assert len(run_ids) == 1 and all(e["task_id"] for e in events)
    assert events[2]["data"]["text"] == "hello river"
    assert [e["data"]["node_type"] for e in events if e["event"] == "node_started"] == ["start", "end"]
    finished = events[-1]["data"]
    assert finished["status"] == "succeeded"
    assert finished["outputs"] == {"query": "hello river"}
    assert finished["total_steps"] == 2


def test_passthrough_blocking_body(platform: Platform, fixtures_dir: Path) -> None:
    app = platform.import_app(fixtures_dir / "simple_passthrough_workflow.yml")
    response = _run(platform, app["api_key"], {"query": "blocking"}, "blocking")
    assert response.status_code == 200
    body = response.json()
    assert body["workflow_run_id"] and body["task_id"]
    assert body["data"]["status"] == "succeeded"
    assert body["data"]["outputs"] == {"query": "blocking"}
    assert body["data"]["id"] == body["workflow_run_id"]

    detail = httpx.get(
        f"{platform.base_url}/v1/workflows/run/{body['workflow_run_id']}",
        headers={"Authorization": f"Bearer {app['api_key']}"},
        timeout=10,
    )
    assert detail.status_code == 200
    assert detail.json()["status"] == "succeeded"


@pytest.mark.parametrize(
    ("query", "expected"),
    [("say hello there", {"true": "say hello there"}), ("goodbye", {"false": "goodbye"})],
)
def test_conditional_branching(platform: Platform, fixtures_dir: Path, query: str, expected: dict) -> None:
    app = platform.import_app(fixtures_dir / "conditional_hello_branching_workflow.yml")
    body = _run(platform, app["api_key"], {"query": query}, "blocking").json()
    assert body["data"]["status"] == "succeeded"
    assert body["data"]["outputs"] == expected

    events = _stream(platform, app["api_key"], {"query": query})
    node_types = [e["data"]["node_type"] for e in events if e["event"] == "node_finished"]
    assert node_types == ["start", "if-else", "end"]
    assert events[-1]["data"]["outputs"] == expected


def test_missing_required_input_is_rejected_before_running(platform: Platform, fixtures_dir: Path) -> None:
    app = platform.import_app(fixtures_dir / "simple_passthrough_workflow.yml")
    response = _run(platform, app["api_key"], {}, "blocking")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_param" and body["status"] == 400
    assert "query" in body["message"]
