"""A chatflow's chat preview in Chromium: two messages in the run panel, each a draft run through the
console API with the mock model echoing the query; the second continues the first reply's conversation,
so the app has one conversation with both messages; "New conversation" starts another."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect
from riverflow.mockllm import MockConfig, MockServer

from tests.platform import Platform
from tests.studio.conftest import console, screenshot, sign_in

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

FIXTURE = "basic_chatflow.yml"
DRAFT_RUN = "/advanced-chat/workflows/draft/run"


@pytest.fixture
def chat_platform(nats_url: str, tmp_path: Path, studio_dist: Path) -> Iterator[Platform]:
    """The studio's platform plus the agent service, whose model is the shipped mock (it echoes)."""
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


def _send(page: Any, text: str) -> Any:
    """Send one message from the chat preview; the draft-run request it made."""
    panel = page.get_by_test_id("run-panel")
    panel.get_by_label("Message").fill(text)
    with page.expect_request(lambda r: r.url.endswith(DRAFT_RUN) and r.method == "POST") as sent:
        panel.get_by_role("button", name="Send").click()
    return sent.value


def test_chatflow_chat_preview_continues_one_conversation(
    chat_platform: Platform, page: Any, fixtures_dir: Path
) -> None:
    page, errors = page
    platform = chat_platform
    sign_in(page, platform, "ada@example.com")
    imported = platform.import_app(fixtures_dir / FIXTURE)
    app_id, key = imported["id"], imported["api_key"]
    page.goto(f"{platform.base_url}/studio/apps/{app_id}/workflow")
    page.get_by_test_id("canvas-ready").wait_for(state="attached")
    page.get_by_role("button", name="Run", exact=True).click()
    transcript = page.get_by_test_id("chat-transcript")
    answers = transcript.get_by_test_id("chat-assistant")

    first = _send(page, "where does the river start")
    expect(answers.nth(0)).to_contain_text("where does the river start", timeout=90_000)
    expect(transcript).not_to_have_attribute("data-conversation-id", "")
    conversation_id = transcript.get_attribute("data-conversation-id")
    assert "conversation_id" not in json.loads(first.post_data or "{}")

    second = _send(page, "and where does it end")
    expect(answers.nth(1)).to_contain_text("and where does it end", timeout=90_000)
    body = json.loads(second.post_data or "{}")
    assert body["query"] == "and where does it end" and body["conversation_id"] == conversation_id
    users = transcript.get_by_test_id("chat-user")
    expect(users).to_have_text(["where does the river start", "and where does it end"])
    expect(transcript).to_have_attribute("data-conversation-id", conversation_id)
    screenshot(page, "16-chat-preview")

    # One conversation with both messages, seen through the Service API as the signed-in account.
    members = console(platform, "GET", "/workspaces/current/members").json()["accounts"]
    user = next(m["id"] for m in members if m["email"] == "ada@example.com")
    service = {"Authorization": f"Bearer {key}"}
    listed = httpx.get(f"{platform.base_url}/v1/conversations", params={"user": user}, headers=service)
    assert [c["id"] for c in listed.json()["data"]] == [conversation_id], listed.text
    messages = httpx.get(
        f"{platform.base_url}/v1/messages",
        params={"user": user, "conversation_id": conversation_id},
        headers=service,
    ).json()["data"]
    assert len(messages) == 2 and all(m["query"] in m["answer"] for m in messages)
    assert {m["query"] for m in messages} == {"where does the river start", "and where does it end"}

    # "New conversation" empties the transcript; the next message starts a conversation of its own.
    page.get_by_test_id("run-panel").get_by_role("button", name="New conversation").click()
    expect(answers).to_have_count(0)
    third = _send(page, "a new river")
    assert "conversation_id" not in json.loads(third.post_data or "{}")
    expect(answers.nth(0)).to_contain_text("a new river", timeout=90_000)
    expect(transcript).not_to_have_attribute("data-conversation-id", conversation_id)
    listed = httpx.get(f"{platform.base_url}/v1/conversations", params={"user": user}, headers=service)
    assert len(listed.json()["data"]) == 2
    assert errors == []
