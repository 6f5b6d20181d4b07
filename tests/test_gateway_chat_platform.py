"""Chat over the real platform: gateway and orchestrator processes on JetStream. Conversations,
messages and conversation variables live in the gateway's database and survive its restart."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from tests.conftest import sse_events
from tests.platform import Platform

pytestmark = pytest.mark.integration

GREETING = (
    Path(__file__).resolve().parents[1] / "services" / "gateway" / "tests" / "apps" / "greeting_chatflow.yml"
)


def _chat(platform: Platform, key: str, query: str, **body) -> httpx.Response:
    payload = {"query": query, "inputs": body.pop("inputs", {}), "user": "alice", **body}
    return httpx.post(
        f"{platform.base_url}/v1/chat-messages",
        json=payload,
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )


def test_a_conversation_over_the_platform_survives_a_gateway_restart(platform: Platform) -> None:
    app = platform.import_app(GREETING)
    key, headers = app["api_key"], {"Authorization": f"Bearer {app['api_key']}"}
    first = _chat(platform, key, "one", inputs={"name": "Ann"}, response_mode="blocking")
    assert first.status_code == 200, first.text
    assert first.json()["answer"] == "Hello, Ann: one"
    conversation_id = first.json()["conversation_id"]
    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/chat-messages",
        headers=headers,
        timeout=30,
        json={
            "query": "two",
            "inputs": {},
            "user": "alice",
            "response_mode": "streaming",
            "conversation_id": conversation_id,
        },
    ) as response:
        frames = list(sse_events(response.iter_lines()))
    assert [f["event"] for f in frames][-2:] == ["message_end", "workflow_finished"]
    assert all(f["conversation_id"] == conversation_id for f in frames)
    variables = httpx.get(
        f"{platform.base_url}/v1/conversations/{conversation_id}/variables",
        params={"user": "alice"},
        headers=headers,
    ).json()["data"]
    updated = httpx.put(
        f"{platform.base_url}/v1/conversations/{conversation_id}/variables/{variables[0]['id']}",
        json={"value": "Howdy", "user": "alice"},
        headers=headers,
    )
    assert updated.status_code == 200

    gateway = platform.services["gateway"]
    gateway.kill()
    platform.start("gateway")
    platform.wait_for_gateway()

    third = _chat(platform, key, "three", conversation_id=conversation_id, response_mode="blocking")
    assert third.status_code == 200, third.text
    assert third.json()["answer"] == "Howdy, Ann: three"
    messages = httpx.get(
        f"{platform.base_url}/v1/messages",
        params={"conversation_id": conversation_id, "user": "alice"},
        headers=headers,
    ).json()["data"]
    assert [m["answer"] for m in messages] == ["Hello, Ann: one", "Hello, Ann: two", "Howdy, Ann: three"]
    run_id = frames[0]["workflow_run_id"]
    detail = httpx.get(f"{platform.base_url}/v1/workflows/run/{run_id}", headers=headers).json()
    assert detail["status"] == "succeeded" and detail["outputs"] == {"answer": "Hello, Ann: two"}
