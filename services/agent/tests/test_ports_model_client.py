"""The ``ModelClient`` port, once for every adapter: in-memory, and litellm → the mock over HTTP."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from pydantic import SecretStr
from riverflow.agent.adapters.litellm_model import LiteLLMModelClient
from riverflow.agent.ports import ChatMessage, ModelClient, ModelError, ModelRequest, ModelTarget
from riverflow.agent.reference import InMemoryModelClient
from riverflow.mockllm import MockControl


def _in_memory(mock: MockControl) -> tuple[ModelClient, ModelTarget]:
    return InMemoryModelClient(), ModelTarget("openai", "m", "openai/m", price=(0.0, 0.0))


def _litellm(mock: MockControl) -> tuple[ModelClient, ModelTarget]:
    target = ModelTarget(
        "openai", "gpt-test", "openai/gpt-test", api_base=mock.base_url, api_key=SecretStr("k")
    )
    return LiteLLMModelClient(timeout=10), target


ADAPTERS: dict[str, Callable[[MockControl], tuple[ModelClient, ModelTarget]]] = {
    "in-memory": _in_memory,
    "litellm+mockllm": _litellm,
}


@pytest.fixture(params=sorted(ADAPTERS))
def adapter(request: pytest.FixtureRequest, mock_model: MockControl) -> tuple[ModelClient, ModelTarget]:
    return ADAPTERS[request.param](mock_model)


def _request(target: ModelTarget, text: str = "ping pong song", **extra) -> ModelRequest:
    messages = (ChatMessage("system", "Answer briefly."), ChatMessage("user", text))
    return ModelRequest(target=target, messages=messages, idempotency_key="run:n:1:call1", **extra)


async def test_streams_deltas_in_order_and_returns_the_whole_text(adapter) -> None:
    client, target = adapter
    deltas: list[tuple[str, str]] = []

    async def sink(field: str, text: str) -> None:
        deltas.append((field, text))

    response = await client.complete(_request(target), sink)
    assert response.text == "ping pong song"  # both adapters echo the last user message by default
    assert "".join(t for f, t in deltas if f == "text") == response.text
    assert len([d for d in deltas if d[0] == "text" and d[1]]) >= 3  # token by token, not one blob
    assert response.finish_reason == "stop"
    assert response.prompt_tokens > 0 and response.completion_tokens == 3


async def test_completes_without_a_sink(adapter) -> None:
    client, target = adapter
    response = await client.complete(_request(target, "hello there"))
    assert response.text == "hello there"


async def test_litellm_relays_reasoning_tool_calls_and_idempotency_key(mock_model: MockControl) -> None:
    client, target = _litellm(mock_model)
    mock_model.script(
        [
            {"match": {"contains": "think"}, "reasoning": "let me see", "reply": "42"},
            {
                "match": {"has_tools": True},
                "tool_calls": [{"name": "calc", "arguments": {"expression": "6*7"}}],
            },
        ]
    )
    deltas: list[tuple[str, str]] = []

    async def sink(field: str, text: str) -> None:
        deltas.append((field, text))

    response = await client.complete(_request(target, "think hard"), sink)
    assert (response.reasoning, response.text) == ("let me see", "42")
    assert [f for f, _ in deltas if _][:3] == ["reasoning_content"] * 3
    tool = {"type": "function", "function": {"name": "calc", "parameters": {"type": "object"}}}
    response = await client.complete(_request(target, "compute", tools=(tool,)))
    assert response.finish_reason == "tool_calls"
    assert [(c.name, c.arguments) for c in response.tool_calls] == [("calc", '{"expression": "6*7"}')]
    assert mock_model.calls("run:n:1:call1")["completed"] == 2  # the key travelled as Idempotency-Key


async def test_litellm_classifies_provider_errors(mock_model: MockControl) -> None:
    client, target = _litellm(mock_model)
    mock_model.fault(429, 1)
    with pytest.raises(ModelError) as rate_limited:
        await client.complete(_request(target))
    assert (rate_limited.value.status, rate_limited.value.retryable) == (429, True)
    assert rate_limited.value.error_type == "InvokeRateLimitError"
    mock_model.script([{"match": {}, "error": {"status": 400, "message": "bad prompt"}}])
    with pytest.raises(ModelError) as bad:
        await client.complete(_request(target))
    assert (bad.value.status, bad.value.retryable, bad.value.error_type) == (
        400,
        False,
        "InvokeBadRequestError",
    )
    assert mock_model.calls("run:n:1:call1")["calls"] == 2  # no hidden retries inside litellm


async def test_litellm_prices_from_its_offline_cost_map(mock_model: MockControl) -> None:
    client, _ = _litellm(mock_model)
    target = ModelTarget(
        "openai", "gpt-4o-mini", "openai/gpt-4o-mini", api_base=mock_model.base_url, api_key=SecretStr("k")
    )
    response = await client.complete(_request(target))
    assert response.price[0] > 0 and response.price[1] > response.price[0]  # gpt-4o-mini's real list price
    free = await client.complete(
        _request(
            ModelTarget(
                "openai",
                "x",
                "openai/x",
                api_base=mock_model.base_url,
                api_key=SecretStr("k"),
                price=(0.0, 0.0),
            )
        )
    )
    assert free.price == (0.0, 0.0)
