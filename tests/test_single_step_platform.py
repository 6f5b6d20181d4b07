"""Single-step runs through real gateway + orchestrator + agent processes (issue 8): a model node
(the shipped mock model echoes its prompt), a code node (the orchestrator's sandbox) and a template
node each run alone with the values they read given, and none of them is listed as a run."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.platform import Platform, running_model_platform

pytestmark = pytest.mark.integration

APP = (
    Path(__file__).resolve().parents[1]
    / "services"
    / "gateway"
    / "tests"
    / "apps"
    / "single_step_workflow.yml"
)


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_model_platform(tmp_path_factory.mktemp("single-step")) as running:
        yield running


def _console(platform: Platform, method: str, path: str, **kwargs: Any) -> httpx.Response:
    headers = {"Authorization": f"Bearer {platform.CONSOLE_TOKEN}"}
    return httpx.request(
        method, f"{platform.base_url}/console/api{path}", headers=headers, timeout=120, **kwargs
    )


def _run_node(platform: Platform, app_id: str, node_id: str, inputs: dict[str, Any]) -> dict[str, Any]:
    ran = _console(
        platform, "POST", f"/apps/{app_id}/workflows/draft/nodes/{node_id}/run", json={"inputs": inputs}
    )
    assert ran.status_code == 200, ran.text
    return ran.json()


def test_model_code_and_template_nodes_run_alone(platform: Platform) -> None:
    app_id = platform.import_app(APP)["id"]

    model = _run_node(platform, app_id, "draft", {"#start.topic#": "deltas"})
    assert model["node_type"] == "llm" and model["status"] == "succeeded", model
    assert model["outputs"]["text"] == "Draft about deltas"  # the mock echoes the user turn
    assert model["outputs"]["usage"]["completion_tokens"] > 0 and model["elapsed_time"] > 0

    code = _run_node(platform, app_id, "measure", {"#format.output#": "four"})
    assert code["node_type"] == "code" and code["status"] == "succeeded", code
    assert code["outputs"] == {"length": 4}

    template = _run_node(platform, app_id, "format", {"body": "A delta.", "topic": "deltas"})
    assert template["outputs"] == {"output": "A delta. (deltas)"}

    failing = _run_node(platform, app_id, "measure", {"#format.output#": 12})
    assert failing["status"] == "failed" and failing["error"], failing

    for trigger in ("debugging", "app-run"):
        listed = _console(platform, "GET", f"/apps/{app_id}/workflow-runs?triggered_from={trigger}")
        assert listed.json()["data"] == []
