"""Resume a failed run across services: gateway → NATS → orchestrator → a real local HTTP server.

The second HTTP node keeps failing (500, with retries enabled so a 5xx fails the node); once the
server is fixed, ``POST /v1/workflows/runs/{id}/resume`` runs that node again and the run
succeeds, while the first HTTP node's endpoint is hit only once in all.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import sse_events
from tests.http_upstream import serve_json
from tests.platform import Platform

pytestmark = pytest.mark.integration


class _Upstream:
    """Counts hits per path; ``/flaky`` answers 500 until ``fixed``."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.fixed = False


@pytest.fixture
def upstream() -> Iterator[tuple[str, _Upstream]]:
    state = _Upstream()

    def respond(path: str) -> tuple[int, dict[str, Any]]:
        state.hits[path] += 1
        ok = path == "/first" or state.fixed
        return (200 if ok else 500), {"path": path, "ok": ok}

    with serve_json(respond) as base:
        yield base, state


@pytest.fixture
def platform(nats_url: str, tmp_path: Path) -> Iterator[Platform]:
    running = Platform(
        nats_url, tmp_path / "platform", extra_env={"ORCHESTRATOR_HTTP_ALLOWED_HOSTS": "127.0.0.1"}
    )
    running.work_dir.mkdir()
    running.start("gateway")
    running.start("orchestrator")
    running.wait_for_gateway()
    yield running
    running.stop_all()


def _node(node_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "type": "custom", "data": {"title": node_id, "desc": "", **data}}


def _http(node_id: str, url: str, **extra: Any) -> dict[str, Any]:
    return _node(
        node_id,
        {
            "type": "http-request",
            "method": "get",
            "url": url,
            "headers": "",
            "params": "",
            "authorization": {"type": "no-auth", "config": None},
            "body": {"type": "none", "data": []},
            "timeout": {"connect": 5, "read": 10, "write": 5},
            **extra,
        },
    )


def _app(tmp_path: Path, base: str) -> Path:
    retry = {"retry_enabled": True, "max_retries": 1, "retry_interval": 100}
    nodes = [
        _node("start", {"type": "start", "variables": []}),
        _http("first", base + "/first"),
        _http("second", base + "/flaky", retry_config=retry),
        _node(
            "end",
            {
                "type": "end",
                "outputs": [
                    {"variable": "first", "value_selector": ["first", "body"]},
                    {"variable": "second", "value_selector": ["second", "body"]},
                ],
            },
        ),
    ]
    edges = [("start", "first"), ("first", "second"), ("second", "end")]
    doc = {
        "app": {"mode": "workflow", "name": "resume", "description": "", "icon": "🔁"},
        "kind": "app",
        "version": "0.3.1",
        "dependencies": [],
        "workflow": {
            "conversation_variables": [],
            "environment_variables": [],
            "features": {},
            "graph": {
                "nodes": nodes,
                "edges": [
                    {"id": f"{s}-{t}", "source": s, "target": t, "sourceHandle": "source", "data": {}}
                    for s, t in edges
                ],
            },
        },
    }
    path = tmp_path / "resume.yml"
    path.write_text(json.dumps(doc, ensure_ascii=False))  # JSON is YAML
    return path


def test_a_failed_run_resumes_from_its_failed_node(
    platform: Platform, tmp_path: Path, upstream: tuple[str, _Upstream]
) -> None:
    base, server = upstream
    key = platform.import_app(_app(tmp_path, base))["api_key"]
    auth = {"Authorization": f"Bearer {key}"}
    first = httpx.post(
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": {}, "response_mode": "blocking", "user": "alice"},
        headers=auth,
        timeout=60,
    )
    assert first.status_code == 200, first.text
    run_id = first.json()["workflow_run_id"]
    assert first.json()["data"]["status"] == "failed", first.json()
    assert server.hits == {"/first": 1, "/flaky": 2}  # one try and one retry

    server.fixed = True
    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/workflows/runs/{run_id}/resume",
        json={"user": "alice", "response_mode": "streaming"},
        headers=auth,
        timeout=60,
    ) as response:
        assert response.status_code == 200
        events = list(sse_events(response.iter_lines()))
    assert events[0]["event"] == "workflow_started" and events[0]["data"]["reason"] == "resumption"
    assert [e["data"]["node_id"] for e in events if e["event"] == "node_started"] == ["second", "end"]
    finished = events[-1]
    assert finished["event"] == "workflow_finished" and finished["workflow_run_id"] == run_id
    assert finished["data"]["status"] == "succeeded", finished
    assert json.loads(finished["data"]["outputs"]["first"]) == {"path": "/first", "ok": True}
    assert json.loads(finished["data"]["outputs"]["second"]) == {"path": "/flaky", "ok": True}
    assert server.hits == {"/first": 1, "/flaky": 3}  # the first node was not executed again

    # The recorder wrote the resumed outcome over the failed one.
    detail = None
    for _ in range(100):
        detail = httpx.get(f"{platform.base_url}/v1/workflows/run/{run_id}", headers=auth, timeout=10).json()
        if detail["status"] == "succeeded":
            break
        threading.Event().wait(0.1)
    assert detail is not None and detail["status"] == "succeeded" and detail["error"] is None
    again = httpx.post(
        f"{platform.base_url}/v1/workflows/runs/{run_id}/resume",
        json={"user": "alice"},
        headers=auth,
        timeout=10,
    )
    assert again.status_code == 400 and again.json()["message"] == "Only a failed run can be resumed."
