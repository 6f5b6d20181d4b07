"""Build a workflow by drag and drop in Chromium: a new empty workflow app, blocks dragged from the
palette onto the canvas (HTML5 drag and drop), connected by dragging handles, configured, saved and
run with the live overlay."""

from __future__ import annotations

import json
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.platform import Platform
from tests.studio.conftest import console, drag, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def _drop_block(page: Any, block: str, x: float, y: float) -> str:
    """Drag ``block`` from the palette to screen point (x, y) on the canvas; the new node's id."""
    pane = page.locator(".react-flow__pane")
    box = pane.bounding_box()
    before = set(page.locator(".react-flow__node").evaluate_all("ns => ns.map(n => n.dataset.id)"))
    page.get_by_test_id("block-palette").locator(f"[data-palette-block='{block}']").drag_to(
        pane, target_position={"x": x - box["x"], "y": y - box["y"]}
    )
    expect(page.locator(".react-flow__node")).to_have_count(len(before) + 1)
    ids = set(page.locator(".react-flow__node").evaluate_all("ns => ns.map(n => n.dataset.id)")) - before
    assert len(ids) == 1, ids
    node_id = ids.pop()
    # The block lands where it was dropped: its top-left corner is the drop point.
    placed = page.locator(f".react-flow__node[data-id='{node_id}']").bounding_box()
    assert abs(placed["x"] - x) < 3 and abs(placed["y"] - y) < 3, (placed, x, y)
    return node_id


def test_build_workflow_by_drag_and_drop(studio_platform: Platform, page: Any) -> None:
    page, errors = page
    sign_in(page, studio_platform, "grace@example.com")

    # A new, empty workflow app, created in the UI: the editor opens on the blank Start and End.
    page.get_by_label("App name").fill("dnd-greeter")
    page.get_by_label("App type").select_option("workflow")
    page.get_by_role("button", name="Create", exact=True).click()
    page.wait_for_url("**/studio/apps/*/workflow")
    app_id = page.url.split("/apps/")[1].split("/")[0]
    page.get_by_test_id("canvas-ready").wait_for(state="attached")
    nodes, edges = page.locator(".react-flow__node"), page.locator(".react-flow__edge")
    expect(nodes).to_have_count(2)
    # Everything but the Start node is built from the palette: remove the blank End.
    page.get_by_test_id("node-end").click()
    page.keyboard.press("Delete")
    expect(nodes).to_have_count(1)
    expect(edges).to_have_count(0)
    palette = page.get_by_test_id("block-palette")
    assert "template-transform" in palette.locator("[data-palette-block]").evaluate_all(
        "items => items.map(i => i.dataset.paletteBlock)"
    )

    # Zoom out (the controls) and pan (a drag on the empty pane) to put Start at the canvas's left.
    for _ in range(5):
        page.locator(".react-flow__controls-zoomout").click()
    pane = page.locator(".react-flow__pane").bounding_box()
    start = page.get_by_test_id("node-start").bounding_box()
    grab = (
        pane["x"] + pane["width"] / 2,
        pane["y"] + pane["height"] - 40,
    )  # empty: no node, control or minimap
    page.mouse.move(*grab)
    page.mouse.down()
    page.mouse.move(grab[0] + pane["x"] + 40 - start["x"], grab[1] + pane["y"] + 200 - start["y"], steps=10)
    page.mouse.up()
    start = page.get_by_test_id("node-start").bounding_box()
    assert abs(start["x"] - (pane["x"] + 40)) < 3 and abs(start["y"] - (pane["y"] + 200)) < 3, start

    # Drop a Template and an End block to the right of Start, one after the other.
    gap = start["width"] * 0.4
    template_id = _drop_block(page, "template-transform", start["x"] + start["width"] + gap, start["y"])
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})  # close the panel the drop opened
    end_id = _drop_block(page, "end", start["x"] + 2 * (start["width"] + gap), start["y"])
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    expect(nodes).to_have_count(3)
    template = page.get_by_test_id(f"node-{template_id}")
    end = page.get_by_test_id(f"node-{end_id}")

    # Connect Start → Template → End by dragging handles.
    drag(
        page,
        page.get_by_test_id("node-start").locator(".react-flow__handle.source"),
        template.locator(".react-flow__handle.target"),
    )
    drag(page, template.locator(".react-flow__handle.source"), end.locator(".react-flow__handle.target"))
    expect(edges).to_have_count(2)
    screenshot(page, "08-dnd-built")

    # Configure: a Start input, the Template's input and text, the End's output.
    panel = page.get_by_test_id("node-panel")
    page.get_by_test_id("node-start").click()
    panel.get_by_role("button", name="Add input").click()
    panel.get_by_label("Input 1 name").fill("name")
    template.click()
    panel.get_by_label("variables 1 value").select_option("start.name")
    panel.get_by_label("Template").fill("Hello, {{ arg1 }}!")
    end.click()
    panel.get_by_role("button", name="Add output").click()
    panel.get_by_label("outputs 1 name").fill("greeting")
    panel.get_by_label("outputs 1 value").select_option(f"{template_id}.output")
    screenshot(page, "09-dnd-configured")

    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_test_id("save-state").filter(has_text="Draft saved").wait_for()
    graph = console(studio_platform, "GET", f"/apps/{app_id}/workflows/draft").json()["graph"]
    by_id = {n["id"]: n for n in graph["nodes"]}
    assert set(by_id) == {"start", template_id, end_id}
    assert by_id[template_id]["data"]["type"] == "template-transform"
    assert by_id[end_id]["data"]["outputs"] == [
        {"variable": "greeting", "value_selector": [template_id, "output"]}
    ]
    # Dropped in a row to the right of Start, at the same height.
    xs = [by_id[i]["position"]["x"] for i in ("start", template_id, end_id)]
    assert xs == sorted(xs) and len(set(xs)) == 3, xs
    assert abs(by_id[template_id]["position"]["y"] - by_id["start"]["position"]["y"]) < 2
    links = {(e["source"], e["sourceHandle"], e["target"]) for e in graph["edges"]}
    assert links == {("start", "source", template_id), (template_id, "source", end_id)}

    # Run: the overlay marks all three blocks, the outputs are the template's.
    page.get_by_role("button", name="Run", exact=True).click()
    run_panel = page.get_by_test_id("run-panel")
    run_panel.get_by_label("Input name").fill("Ada")
    run_panel.get_by_role("button", name="Run", exact=True).click()
    page.locator("[data-testid='run-status'][data-status='succeeded']").wait_for(timeout=60_000)
    for node_id in ("start", template_id, end_id):
        badge = page.get_by_test_id(f"node-{node_id}").locator(".run-badge")
        assert badge.get_attribute("data-run-status") == "succeeded", node_id
    assert json.loads(page.get_by_test_id("run-outputs").inner_text()) == {"greeting": "Hello, Ada!"}
    screenshot(page, "10-dnd-run")

    assert errors == []
