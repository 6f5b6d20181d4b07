"""An agent-chat app answers by calling a built-in tool and an OpenAPI tool, through real processes.

The OpenAPI tool's provider (spec + API key) is stored through the console like provider
credentials (sealed; the agent reads it from the KV mirror); the API is served locally by the test.
The model is the shipped mock, scripted to call both tools and then answer from their results.
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from fastapi import FastAPI, Header, HTTPException
from riverflow.mockllm import MockConfig, MockControl, MockServer

from tests.conftest import sse_events
from tests.platform import Platform

pytestmark = pytest.mark.integration

AGENT_APP = {
    "version": "0.3.1",
    "kind": "app",
    "app": {"name": "weather agent", "mode": "agent-chat", "icon": "🤖"},
    "model_config": {
        "model": {"provider": "openai", "name": "gpt-4o-mini", "mode": "chat", "completion_params": {}},
        "pre_prompt": "You are a travel assistant.",
        "agent_mode": {
            "enabled": True,
            "strategy": "function_call",
            "max_iteration": 5,
            "tools": [
                {
                    "enabled": True,
                    "provider_id": "time",
                    "provider_type": "builtin",
                    "provider_name": "time",
                    "tool_name": "current_time",
                    "tool_label": "Current Time",
                    "tool_parameters": {"timezone": "UTC"},
                },
                {
                    "enabled": True,
                    "provider_id": "weather",
                    "provider_type": "api",
                    "provider_name": "weather",
                    "tool_name": "get_weather",
                    "tool_label": "Weather",
                    "tool_parameters": {},
                },
            ],
        },
        "user_input_form": [],
    },
}

SCRIPT = [
    {
        "match": {"last_role": "user", "has_tools": True},
        "tool_calls": [
            {"name": "current_time", "arguments": {}},
            {"name": "get_weather", "arguments": {"city": "Paris"}},
        ],
    },
    {"match": {"last_role": "tool"}, "reply": "Right now in Paris: {last_tool}"},
]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def weather_api() -> Iterator[tuple[str, list]]:
    app = FastAPI()
    calls: list[tuple[str, str | None]] = []

    @app.get("/weather/{city}")
    async def weather(city: str, x_api_key: str | None = Header(default=None)) -> dict[str, Any]:
        calls.append((city, x_api_key))
        if x_api_key != "weather-secret":
            raise HTTPException(401, "bad key")
        return {"city": city, "sky": "sunny", "temp": 23}

    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"127.0.0.1:{port}", calls
    server.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def platform(nats_url: str, tmp_path_factory: pytest.TempPathFactory, weather_api) -> Iterator[tuple]:  # noqa: ANN001
    host, _ = weather_api
    with MockServer(MockConfig()) as server:
        env = {
            "AGENT_DEFAULT_MODEL_BASE_URL": server.base_url,
            "AGENT_HEALTH_PORT": "0",
            "RIVERFLOW_SECRET_KEY": "shared-secret-for-the-test",
            "AGENT_TOOLS_ALLOW_HOSTS": json.dumps([host]),  # the local API is private: allowed by name
        }
        running = Platform(nats_url, tmp_path_factory.mktemp("agent-tools"), extra_env=env)
        try:
            # The gateway first: on a loaded machine three cold starts at once can take a while.
            running.start("gateway")
            running.wait_for_gateway(timeout=120)
            running.start("orchestrator")
            running.start("agent")
            yield running, MockControl(server.base_url)
        finally:
            running.stop_all()


def _console(
    platform: Platform, path: str, body: Any, content_type: str = "application/json"
) -> httpx.Response:
    data = body if isinstance(body, bytes) else json.dumps(body).encode()
    return httpx.post(
        f"{platform.base_url}/console/api{path}",
        content=data,
        headers={"Authorization": f"Bearer {Platform.CONSOLE_TOKEN}", "Content-Type": content_type},
        timeout=300,  # a loaded machine can be slow to take an import
    )


def test_agent_chat_calls_a_builtin_and_an_openapi_tool(platform, weather_api) -> None:  # noqa: ANN001
    running, mock = platform
    host, api_calls = weather_api
    mock.script(SCRIPT)
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "weather", "version": "1"},
        "servers": [{"url": f"http://{host}"}],
        "paths": {
            "/weather/{city}": {
                "get": {
                    "operationId": "get_weather",
                    "summary": "Weather now",
                    "parameters": [
                        {"name": "city", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                }
            }
        },
    }
    provider = {
        "type": "openapi",
        "spec": spec,
        "auth": {"type": "api_key", "name": "X-API-Key", "value": "weather-secret"},
    }
    stored = _console(
        running, "/workspaces/current/model-providers/tool-weather/credentials", {"credentials": provider}
    )
    assert stored.status_code == 200, stored.text
    imported = _console(running, "/apps/import", yaml.safe_dump(AGENT_APP).encode(), "application/x-yaml")
    assert imported.status_code == 201, imported.text
    key = imported.json()["api_key"]

    events: list[dict] = []
    with httpx.stream(
        "POST",
        f"{running.base_url}/v1/chat-messages",
        json={
            "query": "What's the weather in Paris?",
            "inputs": {},
            "response_mode": "streaming",
            "user": "u1",
        },
        headers={"Authorization": f"Bearer {key}"},
        timeout=120,
    ) as response:
        assert response.status_code == 200, response.read()
        events = list(sse_events(response.iter_lines()))
    names = [e["event"] for e in events]
    assert names[-1] == "message_end", names
    answer = "".join(e.get("answer", "") for e in events if e["event"] in ("agent_message", "message"))
    assert answer.startswith("Right now in Paris: ") and '"sky": "sunny"' in answer.replace('":"', '": "')
    assert api_calls == [("Paris", "weather-secret")]  # the OpenAPI tool really called the local API
    usage = events[-1]["metadata"]["usage"]
    assert len(usage) == 12 and usage["total_tokens"] > 0

    # Dify's agent form: the agent's steps as agent_thought events, before message_end.
    # A step is sent as it is made and again when updated (same id): its last frame is the whole step.
    frames = [e for e in events if e["event"] == "agent_thought"]
    assert frames and names.index("agent_thought") < names.index("message_end")
    thoughts = list({t["id"]: t for t in frames}.values())
    assert [t["position"] for t in thoughts] == list(range(1, len(thoughts) + 1))
    called = thoughts[0]
    assert called["tool"].split(";") == ["current_time", "get_weather"]
    assert json.loads(called["tool_input"])["get_weather"] == {"city": "Paris"}
    assert "sunny" in json.loads(called["observation"])["get_weather"]
    assert called["tool_labels"]["get_weather"] == {"en_US": "Weather"}
    message_id, conversation_id = events[-1]["message_id"], events[-1]["conversation_id"]
    for thought in thoughts:  # dify-client-python refuses null strings
        for name in ("id", "task_id", "message_id", "conversation_id", "thought", "observation", "tool"):
            assert isinstance(thought[name], str), (name, thought)
        assert isinstance(thought["tool_input"], str) and thought["message_files"] == []
        assert (thought["message_id"], thought["conversation_id"]) == (message_id, conversation_id)

    # The same thoughts, same ids, in the message history.
    history = httpx.get(
        f"{running.base_url}/v1/messages",
        params={"conversation_id": conversation_id, "user": "u1"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=30,
    )
    assert history.status_code == 200, history.text
    (stored,) = history.json()["data"]
    assert [t["id"] for t in stored["agent_thoughts"]] == [t["id"] for t in thoughts]
    assert stored["agent_thoughts"][0]["tool"] == "current_time;get_weather"

    # Both tools' results went back to the model in one follow-up request.
    (follow_up,) = [r for r in mock.requests() if r["body"]["messages"][-1]["role"] == "tool"]
    tool_messages = [m for m in follow_up["body"]["messages"] if m["role"] == "tool"]
    assert len(tool_messages) == 2
    assert any(len(m["content"]) == 19 and m["content"][4] == "-" for m in tool_messages)  # current_time
