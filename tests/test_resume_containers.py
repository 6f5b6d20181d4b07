"""Resume a run that failed inside an iteration, across real processes (gateway, NATS, orchestrator)
and a real local HTTP server: the items that succeeded are not fetched again, the failed one is.

A run that failed before any node ran has nothing to resume: the route refuses it at once (400).
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

# Cold starts of real processes are slow on a loaded machine.
pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

ITEMS = ["a", "b", "c", "d"]


class _Upstream:
    """Counts hits per path; the paths in ``broken`` answer 500 until they are removed."""

    def __init__(self) -> None:
        self.hits: Counter[str] = Counter()
        self.broken = {"/item/c"}


@pytest.fixture
def upstream() -> Iterator[tuple[str, _Upstream]]:
    state = _Upstream()

    def respond(path: str) -> tuple[int, dict[str, Any]]:
        state.hits[path] += 1
        return (500 if path in state.broken else 200), {"path": path}

    with serve_json(respond) as base:
        yield base, state


@pytest.fixture
def http_platform(nats_url: str, tmp_path: Path) -> Iterator[Platform]:
    running = Platform(
        nats_url, tmp_path / "platform", extra_env={"ORCHESTRATOR_HTTP_ALLOWED_HOSTS": "127.0.0.1"}
    )
    running.work_dir.mkdir()
    try:  # a gateway that never comes up must not leave its processes behind
        running.start("gateway")
        running.start("orchestrator")
        running.wait_for_gateway(timeout=180)  # cold starts are slow on a loaded machine
        yield running
    finally:
        running.stop_all()


def _node(node_id: str, data: dict[str, Any], parent: str | None = None) -> dict[str, Any]:
    out = {"id": node_id, "type": "custom", "data": {"title": node_id, "desc": "", **data}}
    if parent:
        out["parentId"] = parent
    return out


def _app(tmp_path: Path, base: str) -> Path:
    fetch = {
        "type": "http-request",
        "method": "get",
        "url": base + "/item/{{#it.item#}}",
        "headers": "",
        "params": "",
        "authorization": {"type": "no-auth", "config": None},
        "body": {"type": "none", "data": []},
        "timeout": {"connect": 5, "read": 10, "write": 5},
        # A 5xx fails the node only when retries are on (as in Dify); one retry, then it fails.
        "retry_config": {"retry_enabled": True, "max_retries": 1, "retry_interval": 100},
    }
    nodes = [
        _node(
            "start",
            {
                "type": "start",
                "variables": [
                    {"variable": "items", "label": "items", "type": "json_object", "required": True}
                ],
            },
        ),
        _node(
            "it",
            {
                "type": "iteration",
                "iterator_selector": ["start", "items", "list"],
                "output_selector": ["fetch", "body"],
                "start_node_id": "itstart",
            },
        ),
        _node("itstart", {"type": "iteration-start"}, parent="it"),
        _node("fetch", fetch, parent="it"),
        _node(
            "end", {"type": "end", "outputs": [{"variable": "bodies", "value_selector": ["it", "output"]}]}
        ),
    ]
    edges = [("start", "it"), ("itstart", "fetch"), ("it", "end")]
    doc = {
        "app": {"mode": "workflow", "name": "resume-iteration", "description": "", "icon": "🔁"},
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
    path = tmp_path / "resume-iteration.yml"
    path.write_text(json.dumps(doc, ensure_ascii=False))  # JSON is YAML
    return path


def _run(platform: Platform, auth: dict[str, str], inputs: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": inputs, "response_mode": "blocking", "user": "alice"},
        headers=auth,
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_run_failed_inside_an_iteration_resumes_at_the_failed_item(
    http_platform: Platform, tmp_path: Path, upstream: tuple[str, _Upstream]
) -> None:
    base, server = upstream
    key = http_platform.import_app(_app(tmp_path, base))["api_key"]
    auth = {"Authorization": f"Bearer {key}"}
    first = _run(http_platform, auth, {"items": {"list": ITEMS}})
    run_id = first["workflow_run_id"]
    assert first["data"]["status"] == "failed", first
    assert server.hits == {"/item/a": 1, "/item/b": 1, "/item/c": 2}  # c: one try and one retry

    server.broken.clear()
    with httpx.stream(
        "POST",
        f"{http_platform.base_url}/v1/workflows/runs/{run_id}/resume",
        json={"user": "alice", "response_mode": "streaming"},
        headers=auth,
        timeout=60,
    ) as response:
        assert response.status_code == 200
        events = list(sse_events(response.iter_lines()))
    assert events[0]["event"] == "workflow_started" and events[0]["data"]["reason"] == "resumption"
    nexts = [e["data"]["index"] for e in events if e["event"] == "iteration_next"]
    assert nexts == [2, 3]  # items 0 and 1 are not started again
    finished = events[-1]
    assert finished["event"] == "workflow_finished" and finished["data"]["status"] == "succeeded", finished
    bodies = [json.loads(b) for b in finished["data"]["outputs"]["bodies"]]
    assert bodies == [{"path": f"/item/{i}"} for i in ITEMS]
    assert server.hits == {"/item/a": 1, "/item/b": 1, "/item/c": 3, "/item/d": 1}

    detail: dict[str, Any] = {}
    for _ in range(100):
        detail = httpx.get(
            f"{http_platform.base_url}/v1/workflows/run/{run_id}", headers=auth, timeout=10
        ).json()
        if detail["status"] == "succeeded":
            break
        threading.Event().wait(0.1)
    assert detail["status"] == "succeeded" and detail["error"] is None
