"""Multi-agent: an agent-chat app calls other Riverflow apps as tools, through real processes.

Dify's "workflow as tool" shape (``provider_type: workflow``) names a workspace tool provider whose
sealed config holds the target app's key; the agent runs that app through the gateway's public
Service API (``AGENT_GATEWAY_URL``), blocking, and feeds its output back to the model. The model is
the shipped mock, scripted to call the tool and then answer from its result.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import yaml
from riverflow.mockllm import MockConfig, MockControl, MockServer

from tests.conftest import sse_events
from tests.platform import Platform
from tests.test_agent_tools_run import _console

pytestmark = pytest.mark.integration


def _forecast_workflow() -> dict[str, Any]:
    """A workflow app with a two-field input form whose answer the model cannot guess."""
    start = {
        "id": "start",
        "data": {
            "type": "start",
            "title": "Start",
            "variables": [
                {"variable": "city", "label": "City name", "type": "text-input", "required": True},
                {
                    "variable": "unit",
                    "label": "Unit",
                    "type": "select",
                    "required": False,
                    "options": ["C", "F"],
                },
            ],
        },
    }
    template = {
        "id": "fmt",
        "data": {
            "type": "template-transform",
            "title": "Format",
            "template": "Forecast for {{ city }}: 7 degrees {{ unit or 'C' }}, light rain",
            "variables": [
                {"variable": "city", "value_selector": ["start", "city"]},
                {"variable": "unit", "value_selector": ["start", "unit"]},
            ],
        },
    }
    end = {
        "id": "end",
        "data": {
            "type": "end",
            "title": "End",
            "outputs": [{"variable": "forecast", "value_selector": ["fmt", "output"]}],
        },
    }
    edges = [
        {"id": "e1", "source": "start", "target": "fmt", "sourceHandle": "source"},
        {"id": "e2", "source": "fmt", "target": "end", "sourceHandle": "source"},
    ]
    return {
        "version": "0.3.1",
        "kind": "app",
        "app": {"name": "forecast", "mode": "workflow", "description": "Weather forecast for a city"},
        "workflow": {"graph": {"nodes": [start, template, end], "edges": edges}, "features": {}},
    }


def _agent_app(tools: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "version": "0.3.1",
        "kind": "app",
        "app": {"name": "travel agent", "mode": "agent-chat"},
        "model_config": {
            "model": {"provider": "openai", "name": "gpt-4o-mini", "mode": "chat", "completion_params": {}},
            "pre_prompt": "You plan trips.",
            "agent_mode": {"enabled": True, "strategy": "function_call", "max_iteration": 4, "tools": tools},
            "user_input_form": [],
        },
    }


def _workflow_tool(provider_id: str, tool_name: str) -> dict[str, Any]:
    """An agent-chat tool entry as Dify exports a workflow tool."""
    return {
        "enabled": True,
        "provider_type": "workflow",
        "provider_id": provider_id,
        "provider_name": provider_id,
        "tool_name": tool_name,
        "tool_label": tool_name.title(),
        "tool_parameters": {},
    }


@pytest.fixture(scope="module")
def platform(
    nats_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Platform, MockControl]]:
    with MockServer(MockConfig()) as server:
        env = {
            "AGENT_DEFAULT_MODEL_BASE_URL": server.base_url,
            "AGENT_HEALTH_PORT": "0",
            "RIVERFLOW_SECRET_KEY": "shared-secret-for-the-app-tool-test",
        }
        running = Platform(nats_url, tmp_path_factory.mktemp("agent-app-tool"), extra_env=env)
        running.env["AGENT_GATEWAY_URL"] = running.base_url  # trusted by the SSRF guard, only it
        try:
            running.start("gateway")
            running.wait_for_gateway(timeout=900)  # cold starts on a loaded machine
            running.start("orchestrator")
            running.start("agent")
            yield running, MockControl(server.base_url)
        finally:
            running.stop_all()


def _import(platform: Platform, app: dict[str, Any]) -> str:
    imported = _console(platform, "/apps/import", yaml.safe_dump(app).encode(), "application/x-yaml")
    assert imported.status_code == 201, imported.text
    return str(imported.json()["api_key"])


def _register_app_tool(platform: Platform, provider_id: str, key: str, name: str) -> None:
    config = {"type": "riverflow_app", "api_key": key, "name": name}
    path = f"/workspaces/current/model-providers/tool-{provider_id}/credentials"
    stored = _console(platform, path, {"credentials": config})
    assert stored.status_code == 200, stored.text


def _chat(platform: Platform, key: str, query: str) -> list[dict]:
    body = {"query": query, "inputs": {}, "response_mode": "streaming", "user": "u1"}
    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/chat-messages",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=900,
    ) as response:
        assert response.status_code == 200, response.read()
        return list(sse_events(response.iter_lines()))


def _answer(events: list[dict]) -> str:
    return "".join(e.get("answer", "") for e in events if e["event"] in ("agent_message", "message"))


def test_an_agent_calls_a_workflow_app_as_a_tool(platform) -> None:  # noqa: ANN001
    running, mock = platform
    workflow_key = _import(running, _forecast_workflow())
    _register_app_tool(running, "forecast-app", workflow_key, "forecast")
    agent_key = _import(running, _agent_app([_workflow_tool("forecast-app", "forecast")]))
    mock.script(
        [
            {
                "match": {"last_role": "user", "has_tools": True},
                "tool_calls": [{"name": "forecast", "arguments": {"city": "Oslo", "unit": "C"}}],
            },
            {"match": {"last_role": "tool"}, "reply": "Pack an umbrella. {last_tool}"},
        ]
    )

    events = _chat(running, agent_key, "Weather in Oslo for my trip?")
    names = [e["event"] for e in events]
    assert names[-1] == "message_end", events
    # The workflow really ran: its template's text, built from the model's arguments, is in the answer.
    assert "Forecast for Oslo: 7 degrees C, light rain" in _answer(events)
    assert _answer(events).startswith("Pack an umbrella. ")

    # The model saw the app's input form as the tool's JSON schema (from /v1/parameters).
    (first,) = [r for r in mock.requests() if r["body"]["messages"][-1]["role"] == "user"]
    (function,) = [t["function"] for t in first["body"]["tools"]]
    assert function["name"] == "forecast" and function["description"] == "Weather forecast for a city"
    assert function["parameters"]["properties"]["city"] == {"type": "string", "description": "City name"}
    assert function["parameters"]["properties"]["unit"]["enum"] == ["C", "F"]
    assert function["parameters"]["required"] == ["city"]

    # agent_thought shows the call, its input, and the workflow's outputs as the observation.
    thoughts = [e for e in events if e["event"] == "agent_thought"]
    (called,) = [t for t in thoughts if t["tool"] and t["observation"]]
    assert called["tool"] == "forecast"
    assert json.loads(called["tool_input"]) == {"forecast": {"city": "Oslo", "unit": "C"}}
    observation = json.loads(json.loads(called["observation"])["forecast"])
    assert observation == {"forecast": "Forecast for Oslo: 7 degrees C, light rain"}

    # The sub-run is the workflow app's own run, visible in its logs (and only there).
    logs = httpx.get(
        f"{running.base_url}/v1/workflows/logs",
        headers={"Authorization": f"Bearer {workflow_key}"},
        timeout=60,
    ).json()
    assert logs["total"] == 1 and logs["data"][0]["workflow_run"]["status"] == "succeeded"


def test_an_agent_calls_another_chat_app_and_gets_its_answer(platform) -> None:  # noqa: ANN001
    running, mock = platform
    helper = {
        "version": "0.3.1",
        "kind": "app",
        "app": {"name": "helper", "mode": "chat", "description": "Answers questions"},
        "model_config": {
            "model": {"provider": "openai", "name": "gpt-4o-mini", "mode": "chat", "completion_params": {}},
            "pre_prompt": "",
            "user_input_form": [],
        },
    }
    helper_key = _import(running, helper)
    _register_app_tool(running, "helper-app", helper_key, "ask_helper")
    agent_key = _import(running, _agent_app([_workflow_tool("helper-app", "ask_helper")]))
    mock.script(
        [
            {
                "match": {"last_role": "user", "has_tools": True},
                "tool_calls": [{"name": "ask_helper", "arguments": {"query": "capital of Norway?"}}],
            },
            {"match": {"last_role": "tool"}, "reply": "The helper said: {last_tool}"},
            # The helper app has no tools: the mock echoes its question back as its answer.
        ]
    )
    events = _chat(running, agent_key, "Ask the helper about Norway")
    assert events[-1]["event"] == "message_end", events
    assert _answer(events) == "The helper said: capital of Norway?"
    (first,) = [
        r
        for r in mock.requests()
        if r["body"].get("tools") and r["body"]["messages"][-1]["content"] == "Ask the helper about Norway"
    ]
    (function,) = [t["function"] for t in first["body"]["tools"]]
    assert function["parameters"]["required"] == ["query"]  # a chat app takes a message
