"""Run the draft and replay it from the run history in Chromium: Run in the editor runs the draft through
the console API (no version is published), the run is listed under the app's runs, and opening it on a
fresh page rebuilds the overlay on the canvas (status, duration, branch taken) and the run panel's
outputs and per-node inputs/outputs from the recorded node executions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.platform import Platform
from tests.studio.conftest import console, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

FIXTURE = "conditional_hello_branching_workflow.yml"
START, IF_ELSE, END_TRUE, END_FALSE = "1754154032319", "1754217359748", "1754154034161", "1754217363584"
TAKEN_STROKE = "rgb(16, 185, 129)"


def _overlay(page: Any) -> dict[str, str | None]:
    """Each node's run status on the canvas (None: no badge)."""
    found = {}
    for node_id in (START, IF_ELSE, END_TRUE, END_FALSE):
        badge = page.get_by_test_id(f"node-{node_id}").locator(".run-badge")
        found[node_id] = badge.get_attribute("data-run-status") if badge.count() else None
    return found


def _assert_overlay(page: Any, taken_edge: str) -> None:
    assert _overlay(page) == {
        START: "succeeded",
        IF_ELSE: "succeeded",
        END_TRUE: "succeeded",
        END_FALSE: None,
    }
    if_else = page.get_by_test_id(f"node-{IF_ELSE}")
    assert if_else.locator(".run-badge [data-branch]").get_attribute("data-branch") == "true"
    assert if_else.locator(".run-badge").inner_text().count("s") >= 1  # the duration is shown
    stroke = page.locator(f".react-flow__edge[data-id='{taken_edge}'] path").first.evaluate(
        "el => getComputedStyle(el).stroke"
    )
    assert stroke == TAKEN_STROKE


def test_run_the_draft_then_replay_it_from_history(
    studio_platform: Platform, page: Any, fixtures_dir: Path
) -> None:
    page, errors = page
    sign_in(page, studio_platform, "grace@example.com")
    app_id = studio_platform.import_app(fixtures_dir / FIXTURE)["id"]
    versions = console(studio_platform, "GET", f"/apps/{app_id}/workflows").json()["items"]
    graph = console(studio_platform, "GET", f"/apps/{app_id}/workflows/draft").json()["graph"]
    taken_edge = next(
        e["id"] for e in graph["edges"] if e["source"] == IF_ELSE and e["sourceHandle"] == "true"
    )
    page.goto(f"{studio_platform.base_url}/studio/apps/{app_id}/workflow")
    page.get_by_test_id("canvas-ready").wait_for(state="attached")

    # Run the draft from the editor: the live overlay, and nothing published.
    page.get_by_role("button", name="Run", exact=True).click()
    run_panel = page.get_by_test_id("run-panel")
    expect(run_panel).to_contain_text("nothing is published")
    run_panel.get_by_label("Input query").fill("hello river")
    run_panel.get_by_role("button", name="Run", exact=True).click()
    page.locator("[data-testid='run-status'][data-status='succeeded']").wait_for(timeout=60_000)
    _assert_overlay(page, taken_edge)
    assert json.loads(page.get_by_test_id("run-outputs").inner_text()) == {"true": "hello river"}
    assert console(studio_platform, "GET", f"/apps/{app_id}/workflows").json()["items"] == versions
    runs = console(studio_platform, "GET", f"/apps/{app_id}/workflow-runs").json()["data"]
    assert len(runs) == 1 and runs[0]["version"] == "draft" and runs[0]["status"] == "succeeded"
    run_id = runs[0]["id"]
    assert runs[0]["created_by_account"]["email"] == "grace@example.com"

    # A fresh page has no overlay; the run history opens the run and replays it on the canvas.
    page.reload()
    page.get_by_test_id("canvas-ready").wait_for(state="attached")
    assert set(_overlay(page).values()) == {None}
    page.get_by_role("button", name="Run", exact=True).click()
    run_panel.get_by_role("tab", name="Runs").click()
    history = page.get_by_test_id("run-history")
    row = history.locator(f"[data-run-id='{run_id}']")
    expect(row).to_have_attribute("data-run-status", "succeeded")
    assert row.locator("[data-run-elapsed]").inner_text().endswith("s")
    screenshot(page, "12-run-history")
    row.get_by_role("button", name=f"Open run {run_id}").click()
    page.locator(f"[data-testid='run-replay'][data-run-id='{run_id}']").wait_for()
    expect(page.locator("[data-testid='run-status']")).to_have_attribute("data-status", "succeeded")
    _assert_overlay(page, taken_edge)
    assert json.loads(page.get_by_test_id("run-outputs").inner_text()) == {"true": "hello river"}
    # The trace lists the nodes in order, each with its recorded inputs and outputs.
    trace = run_panel.locator("[data-trace-node]")
    assert trace.evaluate_all("els => els.map(e => e.dataset.traceNode)") == [START, IF_ELSE, END_TRUE]
    end = run_panel.locator(f"[data-trace-node='{END_TRUE}']")
    end.locator("summary").click(position={"x": 300, "y": 5})
    end_outputs = end.locator("[data-io='outputs'] pre")
    expect(end_outputs).to_be_visible()
    assert json.loads(end_outputs.inner_text()) == {"true": "hello river"}
    start = run_panel.locator(f"[data-trace-node='{START}']")
    start.locator("summary").click(position={"x": 300, "y": 5})
    assert json.loads(start.locator("[data-io='inputs'] pre").inner_text())["query"] == "hello river"
    screenshot(page, "13-run-replay")
    assert console(studio_platform, "GET", f"/apps/{app_id}/workflows").json()["items"] == versions
    assert errors == []
