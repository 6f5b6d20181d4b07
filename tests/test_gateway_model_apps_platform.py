"""chat and completion apps (a model_config, no graph) through real gateway + orchestrator + agent
processes, the model being the shipped mock: the gateway's chatflow equivalent runs on the same
path as any chatflow, and the replies keep Dify's chat and completion shapes with the model's usage."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import sse_events
from tests.platform import Platform, running_model_platform

pytestmark = pytest.mark.integration

APPS = Path(__file__).resolve().parents[1] / "services" / "gateway" / "tests" / "apps"
USAGE_KEYS = {
    "prompt_tokens",
    "prompt_unit_price",
    "prompt_price_unit",
    "prompt_price",
    "completion_tokens",
    "completion_unit_price",
    "completion_price_unit",
    "completion_price",
    "total_tokens",
    "total_price",
    "currency",
    "latency",
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with running_model_platform(tmp_path_factory.mktemp("model-apps")) as running:
        yield running


def _post(platform: Platform, key: str, path: str, body: dict) -> httpx.Response:
    return httpx.post(
        f"{platform.base_url}{path}", json=body, headers={"Authorization": f"Bearer {key}"}, timeout=120
    )


def test_a_chat_app_answers_through_the_agent(platform: Platform) -> None:
    key = platform.import_app(APPS / "assistant_chat.yml")["api_key"]
    body = {"query": "hello river", "inputs": {"team": "ops"}, "user": "alice", "response_mode": "blocking"}
    blocking = _post(platform, key, "/v1/chat-messages", body)
    assert blocking.status_code == 200, blocking.text
    reply = blocking.json()
    assert reply["mode"] == "chat" and reply["answer"] == "hello river"  # the mock echoes the user turn
    usage = reply["metadata"]["usage"]
    assert set(usage) == USAGE_KEYS and usage["completion_tokens"] == 2 and usage["total_tokens"] > 2
    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/chat-messages",
        timeout=120,
        headers={"Authorization": f"Bearer {key}"},
        json={
            **body,
            "query": "second turn",
            "response_mode": "streaming",
            "conversation_id": reply["conversation_id"],
        },
    ) as response:
        frames = list(sse_events(response.iter_lines()))
    assert {f["event"] for f in frames} == {"message", "message_end"} and frames[-1]["event"] == "message_end"
    assert "".join(f["answer"] for f in frames if f["event"] == "message") == "second turn"
    assert frames[-1]["metadata"]["usage"]["completion_tokens"] == 2
    messages = httpx.get(
        f"{platform.base_url}/v1/messages",
        headers={"Authorization": f"Bearer {key}"},
        params={"conversation_id": reply["conversation_id"], "user": "alice"},
    ).json()["data"]
    assert [(m["query"], m["answer"]) for m in messages] == [
        ("hello river", "hello river"),
        ("second turn", "second turn"),
    ]


def test_a_completion_app_renders_its_prompt(platform: Platform) -> None:
    key = platform.import_app(APPS / "writer_completion.yml")["api_key"]
    body = {"inputs": {"query": "rivers"}, "user": "bob", "response_mode": "blocking"}
    response = _post(platform, key, "/v1/completion-messages", body)
    assert response.status_code == 200, response.text
    reply = response.json()
    assert reply["mode"] == "completion" and "conversation_id" not in reply
    assert reply["answer"] == "Write one line about rivers."  # the rendered pre_prompt was the user turn
