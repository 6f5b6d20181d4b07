"""Publish and diff versions in Chromium: publish an imported workflow, change it on the canvas (a
block removed, one added from the palette, one reconfigured), publish again, and compare the two
versions in the visual diff (canvas highlights and the list of changes), then a version with the draft."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.platform import Platform
from tests.studio.conftest import console, drag, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

FIXTURE = "conditional_hello_branching_workflow.yml"
START, IF_ELSE, END_TRUE, END_FALSE = "1754154032319", "1754217359748", "1754154034161", "1754217363584"


def _publish(page: Any, platform: Platform, app_id: str) -> dict[str, Any]:
    """Publish from the toolbar; the new version as the console API lists it."""
    count = len(console(platform, "GET", f"/apps/{app_id}/workflows").json()["items"])
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_test_id("save-state").filter(has_text="Published version").wait_for()
    items = console(platform, "GET", f"/apps/{app_id}/workflows").json()["items"]
    assert len(items) == count + 1
    return items[0]


def _listed(view: Any) -> dict[str, str]:
    """The diff's list of changes: node id -> added, removed or changed."""
    return dict(
        view.locator("[data-diff-node]").evaluate_all(
            "els => els.map(e => [e.dataset.diffNode, e.dataset.diffStatus])"
        )
    )


def test_publish_change_publish_and_diff(studio_platform: Platform, page: Any, fixtures_dir: Path) -> None:
    page, errors = page
    sign_in(page, studio_platform, "linus@example.com")
    app_id = studio_platform.import_app(fixtures_dir / FIXTURE)["id"]
    page.goto(f"{studio_platform.base_url}/studio/apps/{app_id}/workflow")
    page.get_by_test_id("canvas-ready").wait_for(state="attached")
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(4)
    first = _publish(page, studio_platform, app_id)

    # Change the workflow: remove End 2, drop a Template block from the palette on the ELSE branch
    # (its input: the Start query; its output goes to End 1), and rename End 1's output.
    page.get_by_test_id(f"node-{END_FALSE}").click()
    page.keyboard.press("Delete")
    expect(nodes).to_have_count(3)
    pane = page.locator(".react-flow__pane")
    box, if_else_box = pane.bounding_box(), page.get_by_test_id(f"node-{IF_ELSE}").bounding_box()
    below = max(b["y"] + b["height"] for b in (n.bounding_box() for n in nodes.all())) + 60
    assert below + 120 < box["y"] + box["height"]  # room below the nodes
    page.get_by_test_id("block-palette").locator("[data-palette-block='template-transform']").drag_to(
        pane, target_position={"x": if_else_box["x"] - box["x"], "y": below - box["y"]}
    )
    expect(nodes).to_have_count(4)
    template = page.locator(".react-flow__node").filter(
        has=page.locator("[data-node-type='template-transform']")
    )
    template_id = template.get_attribute("data-id")
    pane.click(position={"x": 5, "y": 5})  # close the settings the drop opened
    if_else, end_true = page.get_by_test_id(f"node-{IF_ELSE}"), page.get_by_test_id(f"node-{END_TRUE}")
    drag(
        page,
        if_else.locator(".react-flow__handle[data-handleid='false']"),
        template.locator(".react-flow__handle.target"),
    )
    drag(page, template.locator(".react-flow__handle.source"), end_true.locator(".react-flow__handle.target"))
    panel = page.get_by_test_id("node-panel")
    template.click()  # connected, the picker offers the upstream Start's query
    panel.get_by_label("variables 1 value").select_option(f"{START}.query")
    end_true.click()
    panel.get_by_label("outputs 1 name").fill("answer")
    second = _publish(page, studio_platform, app_id)

    # The console API returns each version's graph.
    detail = console(studio_platform, "GET", f"/apps/{app_id}/workflows/{first['id']}").json()
    assert detail["version"] == first["version"]
    assert {n["id"] for n in detail["graph"]["nodes"]} == {START, IF_ELSE, END_TRUE, END_FALSE}
    missing = console(studio_platform, "GET", f"/apps/{app_id}/workflows/not-a-version")
    assert missing.status_code == 404

    # Compare the two versions.
    page.get_by_role("button", name="Versions").click()
    dialog = page.get_by_role("dialog", name="Versions")
    dialog.locator(f"[data-version-id='{second['id']}']").wait_for()
    dialog.get_by_label("Compare from").select_option(first["id"])
    dialog.get_by_label("Compare to").select_option(second["id"])
    dialog.get_by_role("button", name="Show diff").click()
    view = page.get_by_test_id("diff-view")
    expect(view.get_by_test_id("diff-title")).to_have_text(
        f"Version {first['version']} → Version {second['version']}"
    )
    listed = _listed(view)
    assert listed == {template_id: "added", END_FALSE: "removed", END_TRUE: "changed"}, listed
    assert view.locator(f"[data-diff-node='{END_TRUE}'] [data-diff-keys]").inner_text() == "outputs"
    on_canvas = dict(
        view.locator("[data-diff]").evaluate_all(
            "els => els.map(e => [e.dataset.testid.replace('diff-node-', ''), e.dataset.diff])"
        )
    )
    assert on_canvas == {
        START: "unchanged",
        IF_ELSE: "unchanged",
        END_TRUE: "changed",
        END_FALSE: "removed",
        template_id: "added",
    }, on_canvas
    # Edges: ELSE → End 2 removed; ELSE → Template and Template → End 1 added.
    edge_counts = view.get_by_test_id("diff-edges")
    assert (edge_counts.get_attribute("data-added"), edge_counts.get_attribute("data-removed")) == ("2", "1")
    expect(view.locator(".react-flow__edge.diff-edge-added")).to_have_count(2)
    expect(view.locator(".react-flow__edge.diff-edge-removed")).to_have_count(1)
    assert view.locator(".react-flow__edge.diff-edge-removed").get_attribute("data-id") == (
        f"diff:{IF_ELSE}|false|{END_FALSE}|target"
    )
    assert view.get_by_test_id("diff-summary").get_attribute("data-changes") == "6"
    screenshot(page, "11-versions-diff")

    # The latest version against the draft on the canvas: nothing changed since it was published...
    view.get_by_role("button", name="Close diff").click()
    page.get_by_role("button", name="Versions").click()
    dialog.get_by_label("Compare from").select_option(second["id"])
    dialog.get_by_label("Compare to").select_option("draft")
    dialog.get_by_role("button", name="Show diff").click()
    expect(view.get_by_test_id("diff-summary")).to_have_text("No changes")
    assert view.locator("[data-diff-node]").count() == 0
    # ...and an unsaved edit shows at once.
    view.get_by_role("button", name="Close diff").click()
    end_true.click()
    panel.get_by_label("Title").fill("Final answer")
    page.get_by_role("button", name="Versions").click()
    dialog.get_by_label("Compare from").select_option(second["id"])
    dialog.get_by_label("Compare to").select_option("draft")
    dialog.get_by_role("button", name="Show diff").click()
    expect(view.locator("[data-diff-node]")).to_have_count(1)
    assert _listed(view) == {END_TRUE: "changed"}
    assert view.locator(f"[data-diff-node='{END_TRUE}'] [data-diff-keys]").inner_text() == "title"

    assert errors == []
