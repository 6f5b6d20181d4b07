"""Code and HTTP request nodes across services: gateway → orchestrator (engine + sandbox + httpx) →
a real local HTTP server, through Dify's workflow run API."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import sse_events
from tests.platform import Platform

pytestmark = pytest.mark.integration


class _Echo(BaseHTTPRequestHandler):
    received: list[dict[str, Any]]

    def log_message(self, *args: Any) -> None:
        pass

    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.received.append(
            {"path": self.path, "headers": dict(self.headers.items()), "body": body.decode()}
        )
        reply = json.dumps({"echoed": json.loads(body), "auth": self.headers.get("Authorization")}).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)


@pytest.fixture
def echo_server() -> Iterator[tuple[str, list[dict[str, Any]]]]:
    received: list[dict[str, Any]] = []
    handler = type("Echo", (_Echo,), {"received": received})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", received
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def platform(nats_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    """Gateway + orchestrator (shared by this module's tests); the orchestrator may reach 127.0.0.1
    (only) for the echo server."""
    running = Platform(
        nats_url,
        tmp_path_factory.mktemp("code-http"),
        extra_env={"ORCHESTRATOR_HTTP_ALLOWED_HOSTS": "127.0.0.1"},
    )
    running.start("gateway")
    running.start("orchestrator")
    running.wait_for_gateway()
    yield running
    running.stop_all()


def _node(node_id: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"id": node_id, "type": "custom", "data": {"title": node_id, "desc": "", **data}}


def _app(
    tmp_path: Path,
    name: str,
    nodes: list[dict[str, Any]],
    edges: list[tuple[str, str]],
    env: list[dict[str, Any]] | None = None,
) -> Path:
    doc = {
        "app": {
            "mode": "workflow",
            "name": name,
            "description": "",
            "icon": "🤖",
            "icon_background": "#FFEAD5",
        },
        "kind": "app",
        "version": "0.3.1",
        "dependencies": [],
        "workflow": {
            "conversation_variables": [],
            "environment_variables": env or [],
            "features": {},
            "graph": {
                "nodes": nodes,
                "edges": [
                    {
                        "id": f"{s}-{t}",
                        "source": s,
                        "target": t,
                        "sourceHandle": "source",
                        "targetHandle": "target",
                        "type": "custom",
                        "data": {},
                    }
                    for s, t in edges
                ],
            },
        },
    }
    path = tmp_path / f"{name}.yml"
    path.write_text(json.dumps(doc, ensure_ascii=False))  # JSON is YAML
    return path


START = _node(
    "start",
    {
        "type": "start",
        "variables": [
            {"variable": "name", "label": "Name", "type": "text-input", "required": True, "max_length": 48},
            {"variable": "n", "label": "N", "type": "number", "required": True},
        ],
    },
)
PYTHON = _node(
    "py",
    {
        "type": "code",
        "code_language": "python3",
        "code": "def main(name: str, n: int) -> dict:\n"
        "    return {'greeting': f'hi {name}', 'double': n * 2}\n",
        "variables": [
            {"variable": "name", "value_selector": ["start", "name"]},
            {"variable": "n", "value_selector": ["start", "n"]},
        ],
        "outputs": {
            "greeting": {"type": "string", "children": None},
            "double": {"type": "number", "children": None},
        },
    },
)
JAVASCRIPT = _node(
    "js",
    {
        "type": "code",
        "code_language": "javascript",
        "code": "function main({greeting, double}) {\n"
        "  return {shout: greeting.toUpperCase(), plus: double + 1};\n}\n",
        "variables": [
            {"variable": "greeting", "value_selector": ["py", "greeting"]},
            {"variable": "double", "value_selector": ["py", "double"]},
        ],
        "outputs": {
            "shout": {"type": "string", "children": None},
            "plus": {"type": "number", "children": None},
        },
    },
)


def _http(url: str, **extra: Any) -> dict[str, Any]:
    return _node(
        "http",
        {
            "type": "http-request",
            "method": "post",
            "url": url,
            "headers": "X-Run: {{#sys.workflow_run_id#}}",
            "params": "",
            "authorization": {"type": "api-key", "config": {"type": "bearer", "api_key": "{{#env.token#}}"}},
            "body": {
                "type": "json",
                "data": [{"type": "text", "value": '{"shout": "{{#js.shout#}}", "plus": {{#js.plus#}}}'}],
            },
            "timeout": {"connect": 5, "read": 10, "write": 5},
            **extra,
        },
    )


END = _node(
    "end",
    {
        "type": "end",
        "outputs": [
            {"variable": "shout", "value_selector": ["js", "shout"]},
            {"variable": "status", "value_selector": ["http", "status_code"]},
            {"variable": "body", "value_selector": ["http", "body"]},
        ],
    },
)
ENV = [{"id": "e1", "name": "token", "value_type": "secret", "value": "tok-123", "description": ""}]
EDGES = [("start", "py"), ("py", "js"), ("js", "http"), ("http", "end")]


def _run(platform: Platform, key: str, inputs: dict[str, Any]) -> dict[str, Any]:
    response = httpx.post(
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": inputs, "response_mode": "blocking", "user": "alice"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_code_then_http_through_the_platform(
    platform: Platform, tmp_path: Path, echo_server: tuple[str, list[dict[str, Any]]]
) -> None:
    base, received = echo_server
    app = platform.import_app(
        _app(tmp_path, "code_http", [START, PYTHON, JAVASCRIPT, _http(base + "/hook"), END], EDGES, ENV)
    )
    body = _run(platform, app["api_key"], {"name": "river", "n": 20})
    data = body["data"]
    assert data["status"] == "succeeded", data
    assert data["outputs"]["shout"] == "HI RIVER"
    assert data["outputs"]["status"] == 201
    assert json.loads(data["outputs"]["body"]) == {
        "echoed": {"shout": "HI RIVER", "plus": 41},
        "auth": "Bearer tok-123",
    }
    [request] = received
    assert request["path"] == "/hook" and request["headers"]["X-Run"] == body["workflow_run_id"]

    # The stream shows each node's outputs; the request log masks the credential.
    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": {"name": "sea", "n": 1}, "response_mode": "streaming", "user": "alice"},
        headers={"Authorization": f"Bearer {app['api_key']}"},
        timeout=60,
    ) as response:
        events = list(sse_events(response.iter_lines()))
    finished = {e["data"]["node_id"]: e["data"] for e in events if e["event"] == "node_finished"}
    assert finished["py"]["outputs"] == {"greeting": "hi sea", "double": 2}
    assert finished["js"]["outputs"] == {"shout": "HI SEA", "plus": 3}
    assert finished["http"]["outputs"]["status_code"] == 201
    assert "tok-123" not in json.dumps(finished["http"]["process_data"])
    assert events[-1]["data"]["status"] == "succeeded"


def test_private_target_outside_the_allow_list_is_refused(platform: Platform, tmp_path: Path) -> None:
    # 127.0.0.2 is loopback too, but only 127.0.0.1 is allowed: the default-value strategy catches it.
    http = _http(
        "http://127.0.0.2:9/hook",
        error_strategy="default-value",
        default_value=[
            {"key": "status_code", "type": "number", "value": 599},
            {"key": "body", "type": "string", "value": "denied default"},
        ],
    )
    app = platform.import_app(_app(tmp_path, "refused", [START, PYTHON, JAVASCRIPT, http, END], EDGES, ENV))
    data = _run(platform, app["api_key"], {"name": "x", "n": 1})["data"]
    assert data["status"] == "partial-succeeded", data
    assert data["outputs"] == {"shout": "HI X", "status": 599, "body": "denied default"}

    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/workflows/run",
        json={"inputs": {"name": "x", "n": 1}, "response_mode": "streaming", "user": "alice"},
        headers={"Authorization": f"Bearer {app['api_key']}"},
        timeout=60,
    ) as response:
        events = list(sse_events(response.iter_lines()))
    [node] = [e["data"] for e in events if e["event"] == "node_finished" and e["data"]["node_id"] == "http"]
    assert node["status"] == "exception"
    assert "Access to 127.0.0.2 (127.0.0.2) is denied" in node["error"]
    assert node["outputs"]["error_type"] == "RequestNotAllowedError"
    assert events[-1]["data"]["exceptions_count"] == 1


def test_hostile_code_fails_the_run_with_a_clear_error(platform: Platform, tmp_path: Path) -> None:
    thief = _node(
        "py",
        {
            "type": "code",
            "code_language": "python3",
            "code": "def main(name, n):\n    return {'greeting': open('/etc/passwd').read(), 'double': n}\n",
            "variables": PYTHON["data"]["variables"],
            "outputs": PYTHON["data"]["outputs"],
        },
    )
    app = platform.import_app(
        _app(tmp_path, "thief", [START, thief, JAVASCRIPT, _http("http://127.0.0.1:9/"), END], EDGES, ENV)
    )
    data = _run(platform, app["api_key"], {"name": "x", "n": 1})["data"]
    assert data["status"] == "failed"
    assert "open('/etc/passwd') is not allowed in the code sandbox" in data["error"]
    assert "root:" not in json.dumps(data)
