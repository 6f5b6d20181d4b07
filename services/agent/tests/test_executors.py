"""Node executors against the in-memory model: llm, question-classifier, parameter-extractor, tool, agent."""

from __future__ import annotations

import json
import time
from typing import Any

from riverflow.agent.executors.llm import ThinkSplitter
from riverflow.agent.model_routing import ModelRouter, RouterConfig
from riverflow.agent.ports import ModelResponse, ToolCall, ToolSpec
from riverflow.agent.reference import (
    InMemoryCredentialStore,
    InMemoryModelClient,
    InMemoryPublisher,
    InMemoryResultStore,
    InMemoryToolProvider,
    tool_call,
)
from riverflow.agent.resilience import ResilientModelClient, RetryPolicy
from riverflow.agent.task_runner import TaskRunner
from riverflow.agent.tools.registry import ToolRegistry
from riverflow.contracts.events.v1 import NodeTaskRequested

MODEL = {"provider": "openai", "name": "gpt-4o-mini", "mode": "chat"}


async def _run(
    node_type: str, data: dict, inputs: dict, replies: list, tools: InMemoryToolProvider | None = None
):
    model = InMemoryModelClient(replies)
    credentials = InMemoryCredentialStore({("ws", "openai"): {"api_key": "k"}})
    publisher = InMemoryPublisher()
    runner = TaskRunner(
        router=ModelRouter(credentials, RouterConfig()),
        client=ResilientModelClient(model, RetryPolicy(1, 0, 0)),
        results=InMemoryResultStore(),
        tools=ToolRegistry(credentials, extra={"local": tools} if tools else None),
        publisher=publisher,
    )
    task = NodeTaskRequested(
        run_id="r",
        node_id="n",
        node_type=node_type,
        idempotency_key="r:n:1",
        data={"model": MODEL, **data},
        inputs=inputs,
        at=time.time(),
        workspace_id="ws",
    )
    result = await runner.run(task)
    return result, publisher, model


def _streamed(publisher: InMemoryPublisher, field: str = "text") -> str:
    return "".join(c.chunk for c in publisher.chunks if c.field == field)


PROMPT = {"prompt_messages": [{"role": "user", "content": "q"}]}


async def test_llm_tagged_reasoning_streams_inside_think_tags() -> None:
    reply = ModelResponse(text="the answer", reasoning="step one")
    result, publisher, _ = await _run("llm", {}, PROMPT, [reply])
    assert result.outputs["text"] == "<think>\nstep one\n</think>\nthe answer"
    assert _streamed(publisher) == result.outputs["text"]


async def test_llm_separated_reasoning_goes_to_its_own_field() -> None:
    reply = ModelResponse(text="<think>inline thought</think>visible", reasoning="native ")
    result, publisher, _ = await _run("llm", {"reasoning_format": "separated"}, PROMPT, [reply])
    assert result.outputs["text"] == "visible"
    assert result.outputs["reasoning_content"] == "native inline thought"
    assert _streamed(publisher) == "visible"
    assert _streamed(publisher, "reasoning_content").replace(" ", "") == "nativeinlinethought"


def test_think_splitter_handles_tags_cut_across_pieces() -> None:
    splitter = ThinkSplitter()
    out = []
    for piece in ["a<th", "ink>b", "c</thi", "nk>d"]:
        out += splitter.feed(piece)
    out += splitter.flush()
    text = "".join(t for f, t in out if f == "text")
    reasoning = "".join(t for f, t in out if f == "reasoning_content")
    assert (text, reasoning) == ("ad", "bc")


async def test_llm_structured_output_is_parsed_and_asked_for_with_the_schema() -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    data = {"structured_output_switch_on": True, "structured_output": {"schema": schema}}
    result, _, model = await _run("llm", data, PROMPT, ['```json\n{"city": "Paris"}\n```'])
    assert result.outputs["structured_output"] == {"city": "Paris"}
    assert model.requests[0].response_format["json_schema"]["schema"] == schema
    bad, _, _ = await _run("llm", data, PROMPT, ["not json at all"])
    assert bad.status == "failed" and "structured output" in (bad.error or "")


CLASSES = [{"id": "c1", "name": "billing"}, {"id": "c2", "name": "tech support"}]


async def test_question_classifier_picks_the_named_class_and_its_branch() -> None:
    answer = json.dumps({"category_id": "c2", "category_name": "tech support"})
    result, _, model = await _run(
        "question-classifier",
        {"classes": CLASSES},
        {"query": "my laptop is broken", "instruction": "be strict"},
        [answer],
    )
    assert (result.outputs["class_id"], result.outputs["class_name"]) == ("c2", "tech support")
    assert result.edge_source_handle == "c2" and result.metadata["edge_source_handle"] == "c2"
    system = model.requests[0].messages[0].content
    assert '"category_id": "c1"' in system and "be strict" in system
    assert len(result.outputs["usage"]) == 12


async def test_question_classifier_falls_back_to_the_first_class() -> None:
    result, _, _ = await _run("question-classifier", {"classes": CLASSES}, {"query": "hm"}, ["no idea"])
    assert result.outputs["class_id"] == "c1" and result.edge_source_handle == "c1"


PARAMS = [
    {"name": "city", "type": "string", "required": True},
    {"name": "days", "type": "number", "required": False},
    {"name": "unit", "type": "select", "options": ["C", "F"]},
]


async def test_parameter_extractor_function_call_mode() -> None:
    reply = tool_call("extract_parameters", json.dumps({"city": "Oslo", "days": "3", "unit": "C"}))
    result, _, model = await _run(
        "parameter-extractor", {"parameters": PARAMS}, {"query": "Oslo for 3 days"}, [reply]
    )
    out = result.outputs
    assert (out["city"], out["days"], out["unit"], out["__is_success"], out["__reason"]) == (
        "Oslo",
        3,
        "C",
        1,
        None,
    )
    request = model.requests[0]
    assert request.tool_choice == {"type": "function", "function": {"name": "extract_parameters"}}
    schema = request.tools[0]["function"]["parameters"]
    assert schema["required"] == ["city"] and schema["properties"]["unit"]["enum"] == ["C", "F"]


async def test_parameter_extractor_prompt_mode_reports_missing_required() -> None:
    data = {"parameters": PARAMS, "reasoning_mode": "prompt"}
    result, _, _ = await _run("parameter-extractor", data, {"query": "x"}, ['{"days": 2}'])
    out = result.outputs
    assert (out["city"], out["days"], out["__is_success"]) == ("", 2, 0)
    assert "city" in out["__reason"]


async def test_tool_node_runs_a_builtin_tool_and_streams_its_text() -> None:
    data = {"provider_type": "builtin", "provider_id": "maths", "tool_name": "eval_expression"}
    result, publisher, _ = await _run("tool", data, {"tool_parameters": {"expression": "2*(3+4)"}}, [])
    assert result.outputs["text"] == "14" and result.outputs["json"][0]["result"] == 14
    assert _streamed(publisher) == "14"
    failed, _, _ = await _run("tool", data, {"tool_parameters": {"expression": "__import__('os')"}}, [])
    assert failed.status == "failed" and failed.error_type == "ToolInvokeError"


def _weather_tools() -> InMemoryToolProvider:
    provider = InMemoryToolProvider("local")

    async def weather(args: dict[str, Any]) -> dict[str, Any]:
        return {"city": args["city"], "unit": args["unit"], "temp": 21}

    spec = ToolSpec(
        "weather",
        "Weather now",
        {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"type": "string"}}},
    )
    provider.add(spec, weather)
    return provider


def _agent_params(**extra: Any) -> dict:
    tools = [
        {
            "provider_name": "local",
            "tool_name": "weather",
            "type": "api",
            "parameters": {"unit": {"auto": 0, "value": "C"}, "city": {"auto": 1, "value": None}},
        }
    ]
    return {
        "agent_parameters": {
            "model": MODEL,
            "tools": tools,
            "instruction": "Be brief.",
            "query": "Weather in Rome?",
            **extra,
        }
    }


async def test_function_calling_agent_feeds_tool_results_back() -> None:
    provider = _weather_tools()
    replies = [tool_call("weather", '{"city": "Rome"}'), ModelResponse(text="It is 21 degrees in Rome.")]
    result, publisher, model = await _run(
        "agent", {"agent_strategy_name": "function_calling"}, _agent_params(), replies, provider
    )
    assert result.outputs["text"] == "It is 21 degrees in Rome."
    assert provider.calls == [("weather", {"city": "Rome", "unit": "C"})]  # fixed parameter injected
    first, second = model.requests
    exposed = first.tools[0]["function"]["parameters"]["properties"]
    assert "unit" not in exposed and "city" in exposed
    assert second.messages[-1].role == "tool" and '"temp": 21' in second.messages[-1].content
    assert second.messages[-2].tool_calls == (ToolCall("call_0", "weather", '{"city": "Rome"}'),)
    log = result.metadata["agent_log"]
    assert [t["position"] for t in log] == [1, 2]
    assert log[0]["tool"] == "weather" and json.loads(log[0]["tool_input"]) == {"weather": {"city": "Rome"}}
    assert all(isinstance(t[k], str) for t in log for k in ("thought", "tool", "tool_input", "observation"))
    assert _streamed(publisher) == "It is 21 degrees in Rome."
    assert result.outputs["usage"]["total_tokens"] == result.metadata["total_tokens"] > 0


async def test_function_calling_agent_stops_at_max_iterations() -> None:
    provider = _weather_tools()
    replies = [tool_call("weather", '{"city": "A"}'), ModelResponse(text="gave up")]
    result, _, model = await _run("agent", {}, _agent_params(maximum_iterations=2), replies, provider)
    assert result.outputs["text"] == "gave up"
    assert model.requests[-1].tools == ()  # the last round may not call tools


async def test_react_agent_parses_actions_and_observations() -> None:
    provider = _weather_tools()
    replies = [
        'Thought: need weather\nAction:\n```\n{"action": "weather", "action_input": {"city": "Oslo"}}\n```',
        'Thought: I know\nAction:\n```\n{"action": "Final Answer", "action_input": "Cold in Oslo."}\n```',
    ]
    result, publisher, model = await _run(
        "agent", {"agent_strategy_name": "ReAct"}, _agent_params(), replies, provider
    )
    assert result.outputs["text"] == "Cold in Oslo."
    assert provider.calls == [("weather", {"city": "Oslo", "unit": "C"})]
    assert model.requests[1].messages[-1].content.startswith("Observation: ")
    assert "weather" in model.requests[0].messages[0].content  # tools described in the system prompt
    assert _streamed(publisher) == "Cold in Oslo."
    assert result.metadata["agent_strategy"] == "react"
