"""Single-step run in Chromium (issue 8): open a workflow, select a model node, "Run this step" with the
value of the start variable it reads, and see its status and output (the mock model echoes the prompt);
then a template node, whose form lists both variables it reads. Nodes that cannot run alone offer nothing.
Reopened, the panel shows the node's last run before anything is run again."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from tests.platform import Platform
from tests.studio.conftest import console, screenshot, sign_in
from tests.test_single_step_platform import APP

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def _open_step(page: Any, node_id: str) -> Any:
    """Open ``node_id``'s panel and its "Run this step" form."""
    page.get_by_test_id(f"node-{node_id}").click()
    panel = page.get_by_test_id("node-panel")
    panel.get_by_role("button", name="Run this step").click()
    return panel.get_by_test_id("step-run")


def _run_step(page: Any, node_id: str, values: dict[str, str]) -> Any:
    """Open ``node_id``'s panel, fill the step form's inputs (by label) and run it; the result element."""
    form = _open_step(page, node_id)
    expect(form.get_by_test_id("step-result")).to_have_count(0)  # it has not run before
    for label, value in values.items():
        form.get_by_label(f"Step input {label}").fill(value)
    form.get_by_role("button", name="Run", exact=True).click()
    return form.get_by_test_id("step-result")


def test_run_one_node_from_its_panel(chat_platform: Platform, page: Any) -> None:
    page, errors = page
    platform = chat_platform
    sign_in(page, platform, "ada@example.com")
    app_id = platform.import_app(APP)["id"]
    page.goto(f"{platform.base_url}/studio/apps/{app_id}/workflow")
    page.get_by_test_id("canvas-ready").wait_for(state="attached")

    # The start node cannot run alone: its panel has no "Run this step".
    page.get_by_test_id("node-start").click()
    expect(page.get_by_test_id("node-panel")).to_be_visible()
    expect(page.get_by_role("button", name="Run this step")).to_have_count(0)

    result = _run_step(page, "draft", {"Start / topic": "deltas"})
    expect(result).to_have_attribute("data-status", "succeeded", timeout=90_000)
    outputs = result.locator("[data-io='outputs']")
    expect(outputs).to_contain_text("Draft about deltas")  # the mock model echoed the prompt
    expect(result).to_contain_text("Status: succeeded in")
    screenshot(page, "single-step-model-node")

    # Another node: its form lists what it reads, labelled with the upstream node's title.
    template = _run_step(page, "format", {"Draft / text": "A delta.", "Start / topic": "deltas"})
    expect(template).to_have_attribute("data-status", "succeeded", timeout=90_000)
    expect(template.locator("[data-io='outputs']")).to_contain_text("A delta. (deltas)")
    screenshot(page, "single-step-template-node")

    # Reopened (another node selected, then this one), the panel shows the model node's last run.
    page.get_by_test_id("node-start").click()
    last = _open_step(page, "draft").get_by_test_id("step-result")
    expect(last).to_have_attribute("data-last", "true")
    expect(last.get_by_test_id("step-last-run")).to_have_text("Last run (this step run alone)")
    expect(last.locator("[data-io='outputs']")).to_contain_text("Draft about deltas")
    screenshot(page, "single-step-last-run")

    # Single-step runs are not listed as the app's runs.
    listed = console(platform, "GET", f"/apps/{app_id}/workflow-runs").json()
    assert listed["data"] == []
    # Only the nodes' first openings asked for a last run that did not exist yet (404, as in Dify).
    assert [e for e in errors if "/last-run" not in e] == []
    assert len(errors) == 2
