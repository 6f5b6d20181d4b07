"""The ``ModelClient`` port's behaviour, written once for every adapter (only the in-memory one so far)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from riverflow.agent.ports import ChatMessage, InMemoryModelClient, ModelClient, ModelRequest

# Each real adapter adds a factory here that answers "pong" to the first request.
ADAPTERS: dict[str, Callable[[], ModelClient]] = {"in-memory": lambda: InMemoryModelClient(["pong"])}

REQUEST = ModelRequest(
    provider="openai",
    model="gpt-4o-mini",
    messages=(ChatMessage("system", "Answer briefly."), ChatMessage("user", "ping")),
    parameters={"temperature": 0},
)


@pytest.fixture(params=sorted(ADAPTERS))
def client(request: pytest.FixtureRequest) -> ModelClient:
    return ADAPTERS[request.param]()


async def test_completion_has_text_and_consistent_usage(client: ModelClient) -> None:
    response = await client.complete(REQUEST)
    assert response.text == "pong"
    assert response.finish_reason == "stop"
    usage = response.usage
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"] > 0


async def test_in_memory_client_records_requests_and_echoes_when_out_of_replies() -> None:
    client = InMemoryModelClient(["first"])
    assert (await client.complete(REQUEST)).text == "first"
    assert (await client.complete(REQUEST)).text == "ping"
    assert client.requests == [REQUEST, REQUEST]
