"""Agent steps streamed as ``agent_thought`` chunks as they happen; results promise their chunks."""

from __future__ import annotations

import json
from typing import Any

import pytest
from riverflow.agent.ports import ModelResponse, ToolError, ToolSpec
from riverflow.agent.reference import (
    InMemoryCredentialStore,
    InMemoryPublisher,
    InMemoryToolProvider,
    tool_call,
)
from riverflow.agent.tools.registry import ToolRegistry
from riverflow.agent.tools.riverflow_app import RiverflowAppToolProvider, input_schema
from riverflow.contracts.events.v1 import NodeTaskChunk, NodeTaskResult

from .test_executors import _agent_params, _run, _weather_tools


def _thoughts(publisher) -> list[dict]:  # noqa: ANN001
    return [c.data for c in publisher.chunks if c.field == "agent_thought"]


async def test_function_calling_streams_each_step_then_its_observation() -> None:
    replies = [tool_call("weather", '{"city": "Rome"}'), ModelResponse(text="21 in Rome.")]
    result, publisher, _ = await _run(
        "agent", {"agent_strategy_name": "function_calling"}, _agent_params(), replies, _weather_tools()
    )
    decided, observed, answered = _thoughts(publisher)
    assert decided["id"] == observed["id"] and decided["position"] == observed["position"] == 1
    assert decided["tool"] == "weather" and decided["observation"] == ""
    assert json.loads(observed["observation"])["weather"].startswith('{"city": "Rome"')
    assert answered["position"] == 2 and answered["thought"] == "21 in Rome."
    assert result.metadata["agent_log"] == [observed, answered]  # the log holds each step's final form
    # Each field counts its own chunks; the result promises them so the engine can wait for them.
    thought_chunks = [c for c in publisher.chunks if c.field == "agent_thought"]
    assert [c.index for c in thought_chunks] == [0, 1, 2]
    assert thought_chunks[0].event_id == "r:n:1:chunk:agent_thought:0"
    text_chunks = [c for c in publisher.chunks if c.field == "text"]
    assert [c.index for c in text_chunks] == list(range(len(text_chunks)))
    assert result.chunk_counts == {"agent_thought": 3, "text": len(text_chunks)}


async def test_react_streams_the_decision_before_the_tool_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []
    publish = InMemoryPublisher.publish

    async def recording(self: InMemoryPublisher, event: NodeTaskChunk | NodeTaskResult) -> None:
        if isinstance(event, NodeTaskChunk) and event.field == "agent_thought":
            order.append(f"step {event.data['position']} observed={bool(event.data['observation'])}")
        await publish(self, event)

    monkeypatch.setattr(InMemoryPublisher, "publish", recording)
    provider = InMemoryToolProvider("local")

    async def weather(args: dict[str, Any]) -> str:
        order.append("tool runs")
        return "cold"

    provider.add(ToolSpec("weather", "Weather now"), weather)
    replies = [
        'Thought: weather\nAction:\n```\n{"action": "weather", "action_input": {"city": "Oslo"}}\n```',
        'Thought: done\nAction:\n```\n{"action": "Final Answer", "action_input": "Cold."}\n```',
    ]
    await _run("agent", {"agent_strategy_name": "ReAct"}, _agent_params(), replies, provider)
    assert order == ["step 1 observed=False", "tool runs", "step 1 observed=True", "step 2 observed=False"]


def test_an_apps_input_form_becomes_the_tools_json_schema() -> None:
    form = [
        {"text-input": {"variable": "city", "label": "City", "required": True, "max_length": 48}},
        {"select": {"variable": "unit", "label": "Unit", "options": ["C", "F"], "required": False}},
        {"number": {"variable": "days", "label": "Days", "required": False}},
        {"checkbox": {"variable": "alerts", "label": "Alerts"}},
        {"file": {"variable": "photo", "label": "Photo", "required": True}},
    ]
    schema = input_schema(form, chat=True)
    assert schema["required"] == ["query", "city"]
    assert schema["properties"]["city"] == {"type": "string", "description": "City", "maxLength": 48}
    assert schema["properties"]["unit"]["enum"] == ["C", "F"]
    assert schema["properties"]["days"]["type"] == "number"
    assert schema["properties"]["alerts"]["type"] == "boolean"
    assert "photo" not in schema["properties"]  # a model cannot hand over a file
    assert "query" not in input_schema(form, chat=False)["properties"]


async def test_workflow_provider_type_builds_an_app_tool_from_the_workspace_config() -> None:
    config = {"type": "riverflow_app", "api_key": "app-secret", "name": "forecast"}
    credentials = InMemoryCredentialStore({("ws", "tool-fc"): config})
    registry = ToolRegistry(credentials, gateway_url="http://127.0.0.1:5999")
    provider = await registry.provider("ws", "workflow", "fc")
    assert isinstance(provider, RiverflowAppToolProvider) and provider.tool_name == "forecast"
    assert "app-secret" not in repr(vars(provider))  # the key is a SecretStr, never printed
    # Dify's shape without an explicit type: the workflow provider type means another app.
    untyped = ToolRegistry(
        InMemoryCredentialStore({("ws", "tool-fc"): {"api_key": "k"}}), gateway_url="http://gw:1"
    )
    assert isinstance(await untyped.provider("ws", "workflow", "fc"), RiverflowAppToolProvider)
    with pytest.raises(ToolError, match="AGENT_GATEWAY_URL"):
        await ToolRegistry(credentials).provider("ws", "workflow", "fc")
