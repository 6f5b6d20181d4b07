"""Browser tests of the studio: Debian's Chromium driven by the Python playwright package (no browser
download) against a gateway + orchestrator started for the test, serving the built ``studio/dist``."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from riverflow.mockllm import MockConfig, MockServer

from tests.platform import Platform

REPO = Path(__file__).resolve().parents[2]
STUDIO = REPO / "studio"
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
CHROMIUM_CANDIDATES = (Path("/usr/bin/chromium"), Path("/usr/lib/chromium/chromium"))
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def _chromium() -> Path | None:
    return next((p for p in CHROMIUM_CANDIDATES if p.exists()), None)


@pytest.fixture(scope="session")
def chromium_path() -> Path:
    """Debian's Chromium; installed with apt when missing and possible, skipped only when impossible."""
    found = _chromium()
    if found is None and shutil.which("apt-get") and os.geteuid() == 0:
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False, timeout=600)
        subprocess.run(["apt-get", "install", "-y", "-q", "chromium"], env=env, check=False, timeout=1200)
        found = _chromium()
    if found is None:
        pytest.skip("chromium is not installed at /usr/bin/chromium and apt-get could not install it")
    return found


@pytest.fixture(scope="session")
def studio_dist() -> Path:
    """The built studio; built here (npm ci && npm run build) when missing."""
    dist = STUDIO / "dist"
    if not (dist / "index.html").is_file():
        if shutil.which("npm") is None:
            pytest.skip("studio/dist is not built and npm is not installed to build it")
        subprocess.run(["npm", "ci", "--no-audit", "--no-fund"], cwd=STUDIO, check=True, timeout=1200)
        subprocess.run(["npm", "run", "build"], cwd=STUDIO, check=True, timeout=600)
    return dist


@pytest.fixture
def studio_platform(nats_url: str, tmp_path: Path, studio_dist: Path) -> Iterator[Platform]:
    running = Platform(nats_url, tmp_path, {"GATEWAY_STUDIO_DIST": str(studio_dist)})
    running.start("gateway")
    running.start("orchestrator")
    running.wait_for_gateway()
    yield running
    running.stop_all()


@pytest.fixture
def chat_platform(nats_url: str, tmp_path: Path, studio_dist: Path) -> Iterator[Platform]:
    """The studio's platform plus the agent service, whose model is the shipped mock (it echoes the
    user turn): the chat previews and the single-step run of a model node."""
    with MockServer(MockConfig()) as mock:
        env = {
            "GATEWAY_STUDIO_DIST": str(studio_dist),
            "AGENT_DEFAULT_MODEL_BASE_URL": mock.base_url,
            "AGENT_HEALTH_PORT": "0",
        }
        running = Platform(nats_url, tmp_path, env)
        running.start("gateway")
        running.start("orchestrator")
        running.start("agent")
        running.wait_for_gateway()
        try:
            yield running
        finally:
            running.stop_all()


@pytest.fixture(scope="package")
def browser(chromium_path: Path) -> Iterator[object]:
    """One browser for the studio tests, closed when they end: the sync API holds an event loop on
    this thread while it runs, and the asyncio tests that follow need the thread's loop free."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(chromium_path), headless=True, args=LAUNCH_ARGS)
        yield launched
        launched.close()


class ConsoleErrors(list[str]):
    """Console errors and uncaught page errors seen during a test; a failed request names its URL."""

    def console(self, message: Any) -> None:
        if message.type != "error":
            return
        url = (message.location or {}).get("url", "")
        failed = message.text.startswith("Failed to load resource")
        self.append(f"{message.text} @ {url}" if failed and url else message.text)


@pytest.fixture
def page(browser: object) -> Iterator[tuple[object, ConsoleErrors]]:
    context = browser.new_context(viewport={"width": 1440, "height": 900})  # type: ignore[attr-defined]
    opened = context.new_page()
    opened.set_default_timeout(120_000)  # a shared, loaded CI machine; no step is timed
    errors = ConsoleErrors()
    opened.on("console", errors.console)
    opened.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    yield opened, errors
    context.close()


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))  # type: ignore[attr-defined]


def console(platform: Platform, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """A console API call (``path`` below /console/api) with the platform's console token."""
    headers = {"Authorization": f"Bearer {platform.CONSOLE_TOKEN}"}
    return httpx.request(
        method, f"{platform.base_url}/console/api{path}", headers=headers, timeout=30, **kwargs
    )


def _settled_box(page: Any, element: Any, timeout_ms: int = 5000) -> dict:
    """The element's box once it stops moving (a fit-view or centring animation may be running,
    and runs longer on a loaded machine)."""
    box = element.bounding_box()
    for _ in range(timeout_ms // 50):
        page.wait_for_timeout(50)
        again = element.bounding_box()
        if again == box:
            return box
        box = again
    return box


def drag(page: Any, source: Any, target: Any) -> None:
    """A real pointer drag between two elements' centres (mouse down, moves, mouse up)."""
    a, b = _settled_box(page, source), _settled_box(page, target)
    page.mouse.move(a["x"] + a["width"] / 2, a["y"] + a["height"] / 2)
    page.mouse.down()
    page.mouse.move(b["x"] + b["width"] / 2, b["y"] + b["height"] / 2, steps=12)
    page.mouse.up()


def sign_in(
    page: Any, platform: Platform, email: str, role: str = "editor", password: str = "studio-pass-123"
) -> None:
    """Add a member with ``role`` to the workspace and sign in as them on the sign-in page."""
    created = console(
        platform,
        "POST",
        "/workspaces/current/members",
        json={"email": email, "password": password, "role": role},
    )
    assert created.status_code == 201, created.text
    page.goto(f"{platform.base_url}/studio/signin")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.wait_for_url("**/studio/apps")
