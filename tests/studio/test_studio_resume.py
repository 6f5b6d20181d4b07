"""Resume a failed run from its failed node in Chromium: a test run whose HTTP request node fails because
the service it calls is down is listed as failed in the run history; once the service is up, "Resume from
failed node" streams the resumed run (POST .../workflow-runs/{id}/resume) into the live overlay, and only
the failed node and the ones after it run: the start node is not run again."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from playwright.sync_api import expect

from tests.platform import Platform
from tests.studio.conftest import console, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

FIXTURE = "http_request_with_json_tool_workflow.yml"
START, HTTP, END = "start_node", "http_node", "end_node"


@pytest.fixture
def resume_platform(nats_url: str, tmp_path: Path, studio_dist: Path) -> Iterator[Platform]:
    """The studio's platform, whose HTTP request node may call the test's service on 127.0.0.1."""
    env = {"GATEWAY_STUDIO_DIST": str(studio_dist), "ORCHESTRATOR_HTTP_ALLOWED_HOSTS": "127.0.0.1"}
    running = Platform(nats_url, tmp_path, env)
    running.start("gateway")
    running.start("orchestrator")
    running.wait_for_gateway()
    yield running
    running.stop_all()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _Service(BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        type(self).hits.append(self.path)
        body = json.dumps({"river": "up"}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


def _dsl(fixtures_dir: Path, tmp_path: Path) -> Path:
    """The fixture's start -> HTTP request -> end, without its tool node: the end returns the HTTP
    node's status code and body."""
    doc = yaml.safe_load((fixtures_dir / FIXTURE).read_text())
    graph = doc["workflow"]["graph"]
    graph["nodes"] = [n for n in graph["nodes"] if n["id"] != "tool_node"]
    graph["edges"] = [e for e in graph["edges"] if e["id"] == "start-to-http"]
    graph["edges"].append({**graph["edges"][0], "id": "http-to-end", "source": HTTP, "target": END})
    graph["edges"][-1]["data"] = {"sourceType": "http-request", "targetType": "end"}
    end = next(n for n in graph["nodes"] if n["id"] == END)
    end["data"]["outputs"] = [
        {"value_selector": [HTTP, "status_code"], "value_type": "number", "variable": "status_code"},
        {"value_selector": [HTTP, "body"], "value_type": "string", "variable": "body"},
    ]
    path = tmp_path / "http_resume.yml"
    path.write_text(yaml.safe_dump(doc))
    return path


def _badge(page: Any, node_id: str) -> str | None:
    badge = page.get_by_test_id(f"node-{node_id}").locator(".run-badge")
    return badge.get_attribute("data-run-status") if badge.count() else None


def test_resume_a_failed_run_from_its_failed_node(
    resume_platform: Platform, page: Any, fixtures_dir: Path, tmp_path: Path
) -> None:
    page, errors = page
    platform = resume_platform
    sign_in(page, platform, "ada@example.com")
    app_id = platform.import_app(_dsl(fixtures_dir, tmp_path))["id"]
    port = _free_port()
    url = f"http://127.0.0.1:{port}/river.json"
    page.goto(f"{platform.base_url}/studio/apps/{app_id}/workflow")
    page.get_by_test_id("canvas-ready").wait_for(state="attached")

    # The service is down: the test run fails at the HTTP request node.
    page.get_by_role("button", name="Run", exact=True).click()
    run_panel = page.get_by_test_id("run-panel")
    run_panel.get_by_label("Input url").fill(url)
    run_panel.get_by_role("button", name="Run", exact=True).click()
    page.locator("[data-testid='run-status'][data-status='failed']").wait_for(timeout=60_000)
    assert (_badge(page, START), _badge(page, HTTP), _badge(page, END)) == ("succeeded", "failed", None)
    runs = console(platform, "GET", f"/apps/{app_id}/workflow-runs").json()["data"]
    assert len(runs) == 1 and runs[0]["status"] == "failed"
    run_id = runs[0]["id"]

    # The service comes up; the run history resumes the failed run from the HTTP request node.
    server = ThreadingHTTPServer(("127.0.0.1", port), _Service)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page.reload()
        page.get_by_test_id("canvas-ready").wait_for(state="attached")
        page.get_by_role("button", name="Run", exact=True).click()
        run_panel.get_by_role("tab", name="Runs").click()
        row = page.get_by_test_id("run-history").locator(f"[data-run-id='{run_id}']")
        expect(row).to_have_attribute("data-run-status", "failed")
        screenshot(page, "14-run-history-failed")
        with page.expect_response(lambda r: r.url.endswith(f"/workflow-runs/{run_id}/resume")) as resumed:
            row.get_by_role("button", name="Resume from failed node").click()
        assert resumed.value.status == 200
        assert resumed.value.request.method == "POST"
        assert json.loads(resumed.value.request.post_data or "{}") == {"response_mode": "streaming"}
        page.locator("[data-testid='run-status'][data-status='succeeded']").wait_for(timeout=60_000)
    finally:
        server.shutdown()
        server.server_close()

    # The overlay shows the resumed run; the outputs are the HTTP node's; the service was called once.
    assert (_badge(page, START), _badge(page, HTTP), _badge(page, END)) == ("succeeded",) * 3
    outputs = json.loads(page.get_by_test_id("run-outputs").inner_text())
    assert outputs["status_code"] == 200 and json.loads(outputs["body"]) == {"river": "up"}
    assert _Service.hits == ["/river.json"]
    screenshot(page, "15-run-resumed")
    # The same run, now succeeded; the start node ran once, the HTTP node twice (failed, then succeeded).
    runs = console(platform, "GET", f"/apps/{app_id}/workflow-runs").json()["data"]
    assert [(r["id"], r["status"]) for r in runs] == [(run_id, "succeeded")]
    executions = console(platform, "GET", f"/apps/{app_id}/workflow-runs/{run_id}/node-executions")
    ran = [e["node_id"] for e in executions.json()["data"]]
    assert ran.count(START) == 1 and ran.count(END) == 1
    assert errors == []
