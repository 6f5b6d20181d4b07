"""Workspaces in Chromium: the header shows the session's workspace; a user who belongs to two switches
between them (POST /console/api/workspaces/switch) and the apps and knowledge lists follow the switch."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from tests.platform import Platform
from tests.studio.conftest import console, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]


def _as_user(platform: Platform, token: str, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A console API call with the signed-in user's session token (its workspace is the session's)."""
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.request(
        method, f"{platform.base_url}/console/api{path}", headers=headers, timeout=30, **kwargs
    )


def _assert_apps(page: Any, names: list[str]) -> None:
    """The Apps page lists exactly ``names``."""
    page.get_by_role("link", name="Apps").click()
    page.wait_for_url("**/studio/apps")
    if names:
        for name in names:
            page.locator(f"[data-app-name='{name}']").wait_for()
    else:
        page.get_by_text("No apps yet").wait_for()
    expect(page.locator("[data-app-name]")).to_have_count(len(names))


def test_switch_workspace_and_the_lists_follow(studio_platform: Platform, page: Any) -> None:
    page, errors = page
    platform = studio_platform
    default = console(platform, "GET", "/workspaces/current").json()
    assert (
        console(platform, "POST", "/apps", json={"name": "Home app", "mode": "workflow"}).status_code == 201
    )
    # An admin of the default workspace (the knowledge page's dataset key needs one).
    sign_in(page, platform, "katherine@example.com", role="admin")
    header = page.get_by_test_id("workspace")
    expect(header).to_have_attribute("data-workspace-id", default["id"])
    expect(header).to_contain_text(default["name"])  # one workspace: its name, nothing to switch to
    expect(header.get_by_label("Workspace")).to_have_count(0)
    page.locator("[data-app-name='Home app']").wait_for()

    # A second workspace, owned by the user; the header now offers both.
    token = page.evaluate("localStorage.getItem('riverflow.console-token')")
    created = _as_user(platform, token, "POST", "/workspaces", json={"name": "Second shop"})
    assert created.status_code == 201, created.text
    second = created.json()["id"]
    page.reload()
    select = header.get_by_label("Workspace")
    expect(select).to_have_value(default["id"])
    assert sorted(select.locator("option").all_inner_texts()) == sorted([default["name"], "Second shop"])
    page.get_by_role("link", name="Knowledge").click()
    page.get_by_label("Knowledge base name").fill("Home notes")
    page.get_by_role("button", name="Create", exact=True).click()
    page.locator("[data-dataset='Home notes']").wait_for()

    # Switch: the session's workspace changes and the lists are the second workspace's.
    select.select_option(second)
    expect(header).to_have_attribute("data-workspace-id", second)
    assert _as_user(platform, token, "GET", "/workspaces/current").json()["id"] == second
    page.get_by_role("link", name="Knowledge").click()
    page.wait_for_url("**/studio/datasets")
    page.get_by_label("Knowledge base name").fill("Shop notes")
    page.get_by_role("button", name="Create", exact=True).click()
    page.locator("[data-dataset='Shop notes']").wait_for()
    expect(page.locator("[data-dataset='Home notes']")).to_have_count(0)
    _assert_apps(page, [])
    shop_app = {"name": "Shop app", "mode": "workflow"}
    assert _as_user(platform, token, "POST", "/apps", json=shop_app).status_code == 201
    page.get_by_role("link", name="Knowledge").click()
    _assert_apps(page, ["Shop app"])
    screenshot(page, "16-workspace-switched")

    # And back: the first workspace's apps and knowledge bases again.
    header.get_by_label("Workspace").select_option(default["id"])
    expect(header).to_have_attribute("data-workspace-id", default["id"])
    _assert_apps(page, ["Home app"])
    page.get_by_role("link", name="Knowledge").click()
    page.locator("[data-dataset='Home notes']").wait_for()
    expect(page.locator("[data-dataset='Shop notes']")).to_have_count(0)
    assert errors == []
