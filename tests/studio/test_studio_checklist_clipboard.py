"""The checklist before publish and copy/paste as Dify DSL fragments, in Chromium: break an imported
workflow (an unreachable node, an emptied required field), see the checklist list the problems and
Publish refused, fix them and publish; copy two connected nodes, paste them into the same app and into
another app, and a container with its children (references between pasted nodes remapped)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.platform import Platform
from tests.studio.conftest import console, drag, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

FIXTURE = "conditional_hello_branching_workflow.yml"
START, IF_ELSE, END_TRUE, END_FALSE = "1754154032319", "1754217359748", "1754154034161", "1754217363584"
ITERATION_FIXTURE = "array_iteration_formatting_workflow.yml"
CODE, ITERATION, MARKER, TEMPLATE = "1754683442688", "1754683430480", "1754683430480start", "1754683458843"


def _open(page: Any, platform: Platform, app_id: str) -> None:
    page.goto(f"{platform.base_url}/studio/apps/{app_id}/workflow")
    page.get_by_test_id("canvas-ready").wait_for(state="attached")


def _problems(page: Any) -> dict[str, list[str]]:
    """The open checklist: node id -> its problems' kinds."""
    return dict(
        page.get_by_test_id("checklist")
        .locator("[data-checklist-node]")
        .evaluate_all(
            "els => els.map(e => [e.dataset.checklistNode,"
            " [...e.querySelectorAll('[data-problem-kind]')].map(p => p.dataset.problemKind)])"
        )
    )


def _select(page: Any, *node_ids: str) -> None:
    """Click the first node, Control+click the others (React Flow's multi-selection key off macOS)."""
    for i, node_id in enumerate(node_ids):
        header = page.get_by_test_id(f"node-{node_id}").locator(".rf-node-header")
        header.click(modifiers=["Control"] if i else [])
    expect(page.locator(".react-flow__node.selected")).to_have_count(len(node_ids))


def _save(page: Any, platform: Platform, app_id: str) -> dict[str, Any]:
    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_test_id("save-state").filter(has_text="Draft saved").wait_for()
    return console(platform, "GET", f"/apps/{app_id}/workflows/draft").json()["graph"]


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def test_checklist_refuses_publish_then_copy_paste(
    studio_platform: Platform, page: Any, fixtures_dir: Path
) -> None:
    page, errors = page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=studio_platform.base_url)
    sign_in(page, studio_platform, "grace@example.com")
    app_id = studio_platform.import_app(fixtures_dir / FIXTURE)["id"]
    other_id = studio_platform.import_app(fixtures_dir / "simple_passthrough_workflow.yml")["id"]
    published = len(console(studio_platform, "GET", f"/apps/{app_id}/workflows").json()["items"])
    _open(page, studio_platform, app_id)
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(4)
    count = page.get_by_test_id("checklist-count")
    expect(count).to_have_attribute("data-count", "0")

    # Break it: delete the ELSE edge (End 2 is no longer reachable, and its reference to the Start
    # query no longer upstream) and empty End 1's output.
    page.locator(
        f".react-flow__edge[data-id='{IF_ELSE}-false-{END_FALSE}-target'] .react-flow__edge-interaction"
    ).click(force=True)
    page.keyboard.press("Delete")
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    page.get_by_test_id(f"node-{END_TRUE}").click()
    page.get_by_test_id("node-panel").get_by_label("outputs 1 value").select_option("")
    expect(count).to_have_attribute("data-count", "3")
    page.get_by_role("button", name="Checklist").click()
    assert _problems(page) == {END_FALSE: ["unreachable", "reference"], END_TRUE: ["required"]}
    checklist = page.get_by_test_id("checklist")
    expect(checklist.locator(f"[data-checklist-node='{END_FALSE}']")).to_contain_text(
        "Not connected to the start"
    )
    expect(checklist.locator(f"[data-checklist-node='{END_TRUE}']")).to_contain_text("has no value")
    screenshot(page, "checklist-01-problems")

    # Publish is refused while problems exist, and shows the list.
    page.get_by_role("button", name="Close", exact=True).click()
    expect(checklist).to_have_count(0)
    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_test_id("publish-refused")).to_be_visible()
    assert len(_problems(page)) == 2
    assert len(console(studio_platform, "GET", f"/apps/{app_id}/workflows").json()["items"]) == published
    screenshot(page, "checklist-02-publish-refused")

    # A problem's click selects its node, opens its panel and centres it.
    checklist.locator(f"[data-checklist-node='{END_FALSE}'] button").click()
    expect(page.locator(f".react-flow__node[data-id='{END_FALSE}']")).to_have_class(
        re.compile(r"\bselected\b")
    )
    expect(page.get_by_test_id("node-panel").get_by_label("Title")).to_have_value("End 2")
    canvas = page.get_by_test_id("canvas").bounding_box()
    page.wait_for_timeout(400)  # the 200 ms centring animation
    box = page.get_by_test_id(f"node-{END_FALSE}").bounding_box()
    assert abs(box["x"] + box["width"] / 2 - (canvas["x"] + canvas["width"] / 2)) < 40
    assert abs(box["y"] + box["height"] / 2 - (canvas["y"] + canvas["height"] / 2)) < 40
    screenshot(page, "checklist-03-focused")

    # Fix both: reconnect ELSE → End 2 and give End 1 its output back; publish succeeds.
    page.get_by_role("button", name="Fit View").click()
    drag(
        page,
        page.get_by_test_id(f"node-{IF_ELSE}").locator(".react-flow__handle[data-handleid='false']"),
        page.get_by_test_id(f"node-{END_FALSE}").locator(".react-flow__handle.target"),
    )
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    page.get_by_test_id(f"node-{END_TRUE}").click()
    page.get_by_test_id("node-panel").get_by_label("outputs 1 value").select_option(f"{START}.query")
    expect(count).to_have_attribute("data-count", "0")
    expect(page.get_by_test_id("checklist-empty")).to_be_visible()  # the list stayed open
    expect(page.get_by_test_id("publish-refused")).to_have_count(0)
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_test_id("save-state").filter(has_text="Published version").wait_for()
    assert len(console(studio_platform, "GET", f"/apps/{app_id}/workflows").json()["items"]) == published + 1
    screenshot(page, "checklist-04-published")
    page.get_by_role("button", name="Close", exact=True).click()

    # Copy IF/ELSE and End 1 (connected by the IF edge): a Dify node/edge fragment on the clipboard.
    _select(page, IF_ELSE, END_TRUE)
    page.keyboard.press("Control+c")
    page.get_by_test_id("save-state").filter(has_text="Copied 2 nodes").wait_for()
    fragment = json.loads(page.evaluate("navigator.clipboard.readText()"))
    assert fragment["kind"] == "dify-graph-fragment"
    assert sorted(n["id"] for n in fragment["graph"]["nodes"]) == sorted([IF_ELSE, END_TRUE])
    assert [(e["source"], e["sourceHandle"], e["target"]) for e in fragment["graph"]["edges"]] == [
        (IF_ELSE, "true", END_TRUE)
    ]

    # Paste into the same app: new ids, clear of the originals; undo removes the paste, redo restores it.
    page.keyboard.press("Control+v")
    expect(nodes).to_have_count(6)
    expect(page.locator(".react-flow__edge")).to_have_count(4)
    pasted = page.locator(".react-flow__node.selected")
    expect(pasted).to_have_count(2)
    page.wait_for_timeout(400)  # the 200 ms pan to the pasted nodes
    originals = [
        page.get_by_test_id(f"node-{i}").bounding_box() for i in (START, IF_ELSE, END_TRUE, END_FALSE)
    ]
    for node in pasted.all():
        assert not any(_overlap(node.bounding_box(), o) for o in originals)
    screenshot(page, "checklist-05-pasted")
    page.keyboard.press("Control+z")
    expect(nodes).to_have_count(4)
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    page.keyboard.press("Control+Shift+z")
    expect(nodes).to_have_count(6)
    graph = _save(page, studio_platform, app_id)
    _assert_pasted(graph, {START, IF_ELSE, END_TRUE, END_FALSE})

    # Paste into another app (the clipboard is the system's).
    _open(page, studio_platform, other_id)
    expect(nodes).to_have_count(2)
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+v")
    expect(nodes).to_have_count(4)
    screenshot(page, "checklist-06-pasted-other-app")
    graph = _save(page, studio_platform, other_id)
    _assert_pasted(graph, {"1754154032319", "1754154034161"})
    assert errors == []


def _assert_pasted(graph: dict[str, Any], before: set[str]) -> None:
    """The draft has a new IF/ELSE and End joined by an IF edge, the End still reading the Start query."""
    new = {n["id"]: n for n in graph["nodes"] if n["id"] not in before}
    assert len(new) == 2 and not set(new) & {IF_ELSE, END_TRUE}
    by_type = {n["data"]["type"]: n for n in new.values()}
    if_else, end = by_type["if-else"], by_type["end"]
    assert if_else["data"]["cases"][0]["conditions"][0]["variable_selector"] == [START, "query"]
    assert end["data"]["outputs"][0]["value_selector"] == [START, "query"]
    edges = [e for e in graph["edges"] if e["source"] in new or e["target"] in new]
    assert [(e["id"], e["source"], e["sourceHandle"], e["target"]) for e in edges] == [
        (f"{if_else['id']}-true-{end['id']}-target", if_else["id"], "true", end["id"])
    ]


def test_paste_container_remaps_references(studio_platform: Platform, page: Any, fixtures_dir: Path) -> None:
    page, errors = page
    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=studio_platform.base_url)
    sign_in(page, studio_platform, "hedy@example.com")
    app_id = studio_platform.import_app(fixtures_dir / ITERATION_FIXTURE)["id"]
    _open(page, studio_platform, app_id)
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(6)
    expect(page.get_by_test_id("checklist-count")).to_have_attribute("data-count", "0")

    # Copy the Code block and the Iteration (with its start marker and Template child), paste them.
    _select(page, CODE, ITERATION)
    page.keyboard.press("Control+c")
    page.get_by_test_id("save-state").filter(has_text="Copied 4 nodes").wait_for()
    page.keyboard.press("Control+v")
    expect(nodes).to_have_count(10)
    screenshot(page, "checklist-07-pasted-container")
    # The pasted blocks are not connected to the start: the checklist says so.
    expect(page.get_by_test_id("checklist-count")).to_have_attribute("data-count", "3")
    graph = _save(page, studio_platform, app_id)
    before = {CODE, ITERATION, MARKER, TEMPLATE, "1754683427386", "1754683480778"}
    new = {n["id"]: n for n in graph["nodes"] if n["id"] not in before}
    by_type = {n["data"]["type"]: n for n in new.values()}
    code, iteration = by_type["code"]["id"], by_type["iteration"]
    marker, template = by_type["iteration-start"], by_type["template-transform"]
    assert iteration["data"]["iterator_selector"] == [code, "result"]
    assert iteration["data"]["output_selector"] == [template["id"], "output"]
    assert iteration["data"]["start_node_id"] == marker["id"] == f"{iteration['id']}start"
    assert marker["parentId"] == template["parentId"] == iteration["id"]
    assert template["data"]["iteration_id"] == iteration["id"]
    assert template["data"]["variables"][0]["value_selector"] == [iteration["id"], "item"]
    links = {(e["source"], e["target"]) for e in graph["edges"] if e["source"] in new}
    assert links == {(code, iteration["id"]), (marker["id"], template["id"])}
    assert errors == []
