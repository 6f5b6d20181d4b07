"""Agent steps reach the client as they happen, not when the agent node finishes.

The agent's tool (an OpenAPI operation served by the test) does not answer until the client has
received, over the gateway's SSE stream, the ``agent_thought`` announcing that very call. If thoughts
were only sent when the node finished, the tool would wait in vain and report it (``released``
false). Real processes; the model is the shipped mock, scripted to call the tool and then answer.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import uvicorn
import yaml
from fastapi import FastAPI
from riverflow.mockllm import MockConfig, MockControl, MockServer
from riverflow.runtime.nats_server import free_port

from tests.conftest import sse_events
from tests.platform import Platform
from tests.test_agent_tools_run import _console

pytestmark = pytest.mark.integration

#: How long the tool waits for the client to see its thought before giving up (not a timing assert:
#: the test checks *whether* it was released, which only a live thought can do).
GATE_SECONDS = 120.0

AGENT_APP = {
    "version": "0.3.1",
    "kind": "app",
    "app": {"name": "live agent", "mode": "agent-chat"},
    "model_config": {
        "model": {"provider": "openai", "name": "gpt-4o-mini", "mode": "chat", "completion_params": {}},
        "pre_prompt": "You look things up.",
        "agent_mode": {
            "enabled": True,
            "strategy": "function_call",
            "max_iteration": 4,
            "tools": [
                {
                    "enabled": True,
                    "provider_id": "gated",
                    "provider_type": "api",
                    "provider_name": "gated",
                    "tool_name": "lookup",
                    "tool_label": "Lookup",
                    "tool_parameters": {},
                }
            ],
        },
        "user_input_form": [],
    },
}


@pytest.fixture(scope="module")
def gated_api() -> Iterator[tuple[str, threading.Event]]:
    gate = threading.Event()
    app = FastAPI()

    @app.get("/lookup/{topic}")
    def lookup(topic: str) -> dict[str, Any]:  # sync: runs in a worker thread, free to block
        released = gate.wait(GATE_SECONDS)
        return {"topic": topic, "answer": 42, "released": released}

    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield f"127.0.0.1:{port}", gate
    gate.set()
    server.should_exit = True
    thread.join(5)


@pytest.fixture(scope="module")
def platform(nats_url: str, tmp_path_factory: pytest.TempPathFactory, gated_api) -> Iterator[tuple]:  # noqa: ANN001
    host, _ = gated_api
    with MockServer(MockConfig()) as server:
        env = {
            "AGENT_DEFAULT_MODEL_BASE_URL": server.base_url,
            "AGENT_HEALTH_PORT": "0",
            "RIVERFLOW_SECRET_KEY": "shared-secret-for-the-live-thoughts-test",
            "AGENT_TOOLS_ALLOW_HOSTS": json.dumps([host]),
            "AGENT_TOOLS_HTTP_TIMEOUT_SECONDS": str(GATE_SECONDS + 30),
        }
        running = Platform(nats_url, tmp_path_factory.mktemp("agent-live"), extra_env=env)
        try:
            running.start("gateway")
            running.wait_for_gateway(timeout=900)  # cold starts on a loaded machine
            running.start("orchestrator")
            running.start("agent")
            yield running, MockControl(server.base_url)
        finally:
            running.stop_all()


def test_thoughts_stream_per_step_before_the_tool_answers(platform, gated_api) -> None:  # noqa: ANN001
    running, mock = platform
    host, gate = gated_api
    spec = {
        "openapi": "3.0.0",
        "info": {"title": "gated", "version": "1"},
        "servers": [{"url": f"http://{host}"}],
        "paths": {
            "/lookup/{topic}": {
                "get": {
                    "operationId": "lookup",
                    "summary": "Look a topic up",
                    "parameters": [
                        {"name": "topic", "in": "path", "required": True, "schema": {"type": "string"}}
                    ],
                }
            }
        },
    }
    provider = json.dumps({"credentials": {"type": "openapi", "spec": spec}}).encode()
    path = "/workspaces/current/model-providers/tool-gated/credentials"
    assert _console(running, path, provider, "application/json").status_code == 200
    imported = _console(running, "/apps/import", yaml.safe_dump(AGENT_APP).encode(), "application/x-yaml")
    assert imported.status_code == 201, imported.text
    key = imported.json()["api_key"]
    mock.script(
        [
            {
                "match": {"last_role": "user", "has_tools": True},
                "tool_calls": [{"name": "lookup", "arguments": {"topic": "life"}}],
            },
            {"match": {"last_role": "tool"}, "reply": "Found it: {last_tool}"},
        ]
    )

    events: list[dict] = []
    body = {"query": "Look up life", "inputs": {}, "response_mode": "streaming", "user": "u1"}
    with httpx.stream(
        "POST",
        f"{running.base_url}/v1/chat-messages",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=GATE_SECONDS + 900,
    ) as response:
        assert response.status_code == 200, response.read()
        for event in sse_events(response.iter_lines()):
            events.append(event)
            if event["event"] == "agent_thought" and event["tool"] == "lookup" and not event["observation"]:
                gate.set()  # the call was announced while the tool is still running: let it answer

    names = [e["event"] for e in events]
    assert names[-1] == "message_end", names
    thoughts = [e for e in events if e["event"] == "agent_thought"]
    decided, observed, answered = thoughts
    # Step 1 as decided (tool and input, no observation yet), then the same step with its result.
    assert decided["id"] == observed["id"] and decided["position"] == observed["position"] == 1
    assert json.loads(decided["tool_input"]) == {"lookup": {"topic": "life"}}
    result = json.loads(json.loads(observed["observation"])["lookup"])
    assert result == {"topic": "life", "answer": 42, "released": True}
    # Step 2, the answer, comes before message_end; the answer text is the model's, fed the result.
    assert answered["position"] == 2 and answered["id"] != decided["id"]
    assert names.index("agent_thought") < names.index("agent_message") < names.index("message_end")
    assert max(i for i, n in enumerate(names) if n == "agent_thought") < names.index("message_end")
    answer = "".join(e["answer"] for e in events if e["event"] == "agent_message")
    assert answer.startswith("Found it: ") and '"released": true' in answer.replace('":true', '": true')

    # The stored message has the same steps, same ids, each in its final form.
    history = httpx.get(
        f"{running.base_url}/v1/messages",
        params={"conversation_id": events[-1]["conversation_id"], "user": "u1"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )
    (stored,) = history.json()["data"]
    assert [t["id"] for t in stored["agent_thoughts"]] == [observed["id"], answered["id"]]
    assert stored["agent_thoughts"][0]["observation"] == observed["observation"]
