"""The studio end to end in Chromium: sign in, import a Dify fixture, edit its canvas (add a block,
connect it by dragging handles, undo/redo, configure it with the variable picker), save, run with the
live overlay, publish. Screenshots of each screen go to tests/studio/screenshots/."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect

from tests.platform import Platform
from tests.studio.conftest import console, drag, screenshot

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

EMAIL, PASSWORD = "ada@example.com", "studio-pass-123"
FIXTURE = "conditional_hello_branching_workflow.yml"
START, IF_ELSE, END_TRUE, END_FALSE = "1754154032319", "1754217359748", "1754154034161", "1754217363584"


def test_sign_in_import_edit_run_publish(studio_platform: Platform, page: Any, fixtures_dir: Path) -> None:
    page, errors = page
    base = studio_platform.base_url
    created = console(
        studio_platform,
        "POST",
        "/workspaces/current/members",
        json={"email": EMAIL, "password": PASSWORD, "role": "editor"},
    )
    assert created.status_code == 201, created.text

    # Sign in (a wrong password is refused with the gateway's message first).
    page.goto(f"{base}/studio/")
    page.wait_for_url("**/studio/signin")
    page.get_by_label("E-mail").fill(EMAIL)
    page.get_by_label("Password").fill("wrong-pass-123")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("alert").filter(has_text="Invalid email or password").wait_for()
    errors.clear()  # the refused login's 401 is logged by the browser; it is the point of that step
    screenshot(page, "01-sign-in")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/studio/apps")

    # Import a Dify DSL fixture through the file input.
    page.get_by_label("Import DSL file").set_input_files(str(fixtures_dir / FIXTURE))
    card = page.locator("[data-app-name='if-else']")
    card.wait_for()
    app_id = card.get_attribute("data-app-id")
    screenshot(page, "02-apps")

    # The canvas shows the fixture's four nodes, with per-branch handles on the if-else.
    card.get_by_role("link", name="Open editor").click()
    page.get_by_test_id("canvas-ready").wait_for(state="attached")
    nodes = page.locator(".react-flow__node")
    expect(nodes).to_have_count(4)
    if_else = page.get_by_test_id(f"node-{IF_ELSE}")
    assert if_else.locator(".react-flow__handle.source").evaluate_all(
        "hs => hs.map(h => h.dataset.handleid)"
    ) == ["true", "false"]
    expect(page.locator(".react-flow__edge")).to_have_count(3)
    screenshot(page, "03-editor")

    # Delete the ELSE edge, add a Template block from the block selector; undo and redo the add.
    page.locator(
        f".react-flow__edge[data-id='{IF_ELSE}-false-{END_FALSE}-target'] .react-flow__edge-interaction"
    ).click(force=True)
    page.keyboard.press("Delete")
    expect(page.locator(".react-flow__edge")).to_have_count(2)
    page.get_by_role("button", name="Add block").click()
    page.get_by_role("combobox", name="Search blocks").fill("Template")
    page.keyboard.press("Enter")
    expect(nodes).to_have_count(5)
    page.locator(".react-flow__pane").click(position={"x": 5, "y": 5})
    page.keyboard.press("Control+z")
    expect(nodes).to_have_count(4)
    page.keyboard.press("Control+Shift+z")
    expect(nodes).to_have_count(5)
    template = page.locator(".react-flow__node[data-id]").filter(
        has=page.locator("[data-node-type='template-transform']")
    )
    template_id = template.get_attribute("data-id")
    assert template_id
    # Move the new block clear of the others, then connect ELSE → Template → End 2 by dragging handles.
    box = template.bounding_box()
    page.mouse.move(box["x"] + 60, box["y"] + 15)
    page.mouse.down()
    page.mouse.move(box["x"] + 60, box["y"] + 260, steps=8)
    page.mouse.up()
    drag(
        page,
        if_else.locator(".react-flow__handle[data-handleid='false']"),
        template.locator(".react-flow__handle.target"),
    )
    drag(
        page,
        template.locator(".react-flow__handle.source"),
        page.get_by_test_id(f"node-{END_FALSE}").locator(".react-flow__handle.target"),
    )
    expect(page.locator(".react-flow__edge")).to_have_count(4)

    # Configure the block: its input comes from the upstream Start node's `query` (the picker offers it).
    template.click()
    panel = page.get_by_test_id("node-panel")
    picker = panel.get_by_label("variables 1 value")
    offered = picker.locator("option").evaluate_all("os => os.map(o => o.value)")
    assert f"{START}.query" in offered and not any(v.startswith(END_TRUE) for v in offered)
    picker.select_option(f"{START}.query")
    panel.get_by_label("Template").fill("no greeting: {{ arg1 }}")
    screenshot(page, "04-node-panel")
    # End 2 answers the new block's output (the fixture has it answer the Start query directly).
    page.get_by_test_id(f"node-{END_FALSE}").click()
    end_output = panel.get_by_label("outputs 1 value")
    assert f"{template_id}.output" in end_output.locator("option").evaluate_all("os => os.map(o => o.value)")
    end_output.select_option(f"{template_id}.output")

    page.get_by_role("button", name="Save", exact=True).click()
    page.get_by_test_id("save-state").filter(has_text="Draft saved").wait_for()
    draft = console(studio_platform, "GET", f"/apps/{app_id}/workflows/draft").json()
    graph = draft["graph"]
    assert len(graph["nodes"]) == 5
    saved = next(n for n in graph["nodes"] if n["id"] == template_id)
    assert saved["data"]["variables"][0]["value_selector"] == [START, "query"]
    links = {(e["source"], e["sourceHandle"], e["target"]) for e in graph["edges"]}
    assert (IF_ELSE, "false", template_id) in links and (template_id, "source", END_FALSE) in links
    assert (IF_ELSE, "false", END_FALSE) not in links
    end_false = next(n for n in graph["nodes"] if n["id"] == END_FALSE)
    assert end_false["data"]["outputs"][0]["value_selector"] == [template_id, "output"]

    # Run: the SSE stream drives the overlay (the ELSE branch, through the new block).
    page.get_by_role("button", name="Run", exact=True).click()
    run_panel = page.get_by_test_id("run-panel")
    run_panel.get_by_label("Input query").fill("nothing to see")
    run_panel.get_by_role("button", name="Run", exact=True).click()
    page.locator("[data-testid='run-status'][data-status='succeeded']").wait_for(timeout=60_000)
    for node_id in (START, IF_ELSE, template_id, END_FALSE):
        badge = page.get_by_test_id(f"node-{node_id}").locator(".run-badge")
        assert badge.get_attribute("data-run-status") == "succeeded", node_id
    assert if_else.locator("[data-branch]").get_attribute("data-branch") == "false"
    assert page.get_by_test_id(f"node-{END_TRUE}").locator(".run-badge").count() == 0
    outputs = json.loads(page.get_by_test_id("run-outputs").inner_text())
    assert outputs == {"false": "no greeting: nothing to see"}
    screenshot(page, "05-run-overlay")

    # Publish adds a version.
    before = len(console(studio_platform, "GET", f"/apps/{app_id}/workflows").json()["items"])
    page.get_by_role("button", name="Publish", exact=True).click()
    page.get_by_test_id("save-state").filter(has_text="Published version").wait_for()
    assert len(console(studio_platform, "GET", f"/apps/{app_id}/workflows").json()["items"]) == before + 1
    page.get_by_role("button", name="Versions").click()
    versions = page.locator("[data-version]")
    versions.nth(before).wait_for()  # the list is fetched when the panel opens
    assert versions.count() == before + 1
    screenshot(page, "06-versions")

    # Auto-layout (ELK in a lazily loaded worker) moves the nodes; undo brings them back.
    start_box = page.get_by_test_id(f"node-{START}").bounding_box()
    page.get_by_role("button", name="Auto layout").click()
    page.wait_for_function(
        "([id, x, y]) => {"
        " const r = document.querySelector(`[data-testid=node-${id}]`).getBoundingClientRect();"
        " return Math.abs(r.x - x) > 1 || Math.abs(r.y - y) > 1 }",
        arg=[START, start_box["x"], start_box["y"]],
    )
    expect(nodes).to_have_count(5)

    # API access: base URL, a new key, and a curl example that uses it.
    page.goto(f"{base}/studio/apps/{app_id}/api")
    page.get_by_role("button", name="Create key").click()
    key = page.get_by_test_id("new-key").inner_text()
    assert key.startswith("app-")
    assert key in page.get_by_test_id("curl").inner_text()
    assert page.get_by_test_id("base-url").inner_text() == f"{base}/v1"
    screenshot(page, "07-api-access")

    assert errors == []
