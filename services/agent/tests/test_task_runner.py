"""The task runner: chunks then result, idempotent redelivery, per-call checkpoints, failures as results."""

from __future__ import annotations

import time

import pytest
from riverflow.agent.model_routing import ModelRouter, RouterConfig
from riverflow.agent.ports import ModelError
from riverflow.agent.reference import (
    InMemoryCredentialStore,
    InMemoryModelClient,
    InMemoryPublisher,
    InMemoryResultStore,
)
from riverflow.agent.resilience import ResilientModelClient, RetryPolicy
from riverflow.agent.task_runner import PublishError, TaskRunner
from riverflow.agent.tools.registry import ToolRegistry
from riverflow.contracts.events.v1 import ChunkRelay, NodeTaskRequested

LLM_DATA = {"type": "llm", "model": {"provider": "openai", "name": "gpt-4o-mini", "mode": "chat"}}


def _task(node_type: str = "llm", data: dict | None = None, inputs: dict | None = None, attempt: int = 1):
    return NodeTaskRequested(
        run_id="run-1",
        node_id="n1",
        node_type=node_type,
        attempt=attempt,
        idempotency_key=f"run-1:n1:{attempt}",
        data=data if data is not None else LLM_DATA,
        inputs=inputs
        if inputs is not None
        else {"prompt_messages": [{"role": "user", "content": "hello big river"}]},
        at=time.time(),
        workspace_id="ws-1",
        app_id="app-1",
    )


def _runner(model: InMemoryModelClient, results: InMemoryResultStore | None = None, **config):
    credentials = InMemoryCredentialStore({("ws-1", "openai"): {"api_key": "sk-test"}})
    publisher = InMemoryPublisher()
    runner = TaskRunner(
        router=ModelRouter(credentials, RouterConfig(**config)),
        client=ResilientModelClient(model, RetryPolicy(3, 0.0, 0.0)),
        results=results or InMemoryResultStore(),
        tools=ToolRegistry(credentials),
        publisher=publisher,
    )
    return runner, publisher


async def test_llm_task_streams_numbered_chunks_then_its_result() -> None:
    runner, publisher = _runner(InMemoryModelClient())
    result = await runner.run(_task())
    assert [c.chunk for c in publisher.chunks] == ["hello", " big", " river"]
    assert [c.index for c in publisher.chunks] == [0, 1, 2]
    assert [c.event_id for c in publisher.chunks][0] == "run-1:n1:1:chunk:0"
    assert publisher.events[-1] is result  # the result comes last
    assert result.status == "succeeded" and result.event_id == "run-1:n1:1"
    assert result.outputs["text"] == "hello big river"
    usage = result.outputs["usage"]
    assert len(usage) == 12 and usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert result.metadata["total_tokens"] == usage["total_tokens"]
    assert result.metadata["usage"] == usage and "mock_model" not in result.metadata


async def test_a_relayed_field_streams_to_the_run_not_the_inbox() -> None:
    runner, publisher = _runner(InMemoryModelClient())
    relay = ChunkRelay(event="message", text_key="answer", data={"id": "m1", "x": 1}, seq=7, task_id="t1")
    result = await runner.run(_task().model_copy(update={"relay": {"text": relay}}))
    assert publisher.chunks == []  # nothing for the orchestrator: the tokens went to the client
    assert [msg_id for msg_id, _ in publisher.relayed] == [f"run-1:n1:1:relay:text:{i}" for i in range(3)]
    events = [event for _, event in publisher.relayed]
    assert [e.data["answer"] for e in events] == ["hello", " big", " river"]
    assert all((e.event, e.seq, e.task_id, e.run_id) == ("message", 7, "t1", "run-1") for e in events)
    assert all(e.data["id"] == "m1" and e.data["x"] == 1 for e in events)
    # The result says how many went out and what they carried: the engine sends only the rest.
    assert result.chunk_counts == {"text": 3} and result.streamed == {"text": "hello big river"}
    assert publisher.events == [result]


async def test_redelivered_task_republishes_the_stored_result_without_a_model_call() -> None:
    model = InMemoryModelClient()
    results = InMemoryResultStore()
    runner, first = _runner(model, results)
    original = await runner.run(_task())
    again, publisher = _runner(model, results)
    replayed = await again.run(_task())
    assert len(model.requests) == 1
    assert publisher.events == [replayed] and replayed == original


async def test_a_crash_after_a_model_call_replays_it_from_its_checkpoint() -> None:
    results = InMemoryResultStore()
    runner, first = _runner(InMemoryModelClient(["checkpointed answer"]), results)
    await runner.run(_task())
    results.data.pop("task:run-1:n1:1")  # as if the process died after the call, before the result
    model = InMemoryModelClient(["a second, billed answer"])
    again, publisher = _runner(model, results)
    result = await again.run(_task())
    assert model.requests == []  # never billed twice
    assert result.outputs["text"] == "checkpointed answer"
    assert [c.event_id for c in publisher.chunks] == [c.event_id for c in first.chunks]  # same numbering
    assert result.metadata["replayed_model_calls"] == 1


async def test_model_errors_become_failed_results_and_are_stored() -> None:
    error = ModelError("bad request", status=400, retryable=False, error_type="InvokeBadRequestError")
    model = InMemoryModelClient([error])
    results = InMemoryResultStore()
    runner, publisher = _runner(model, results)
    result = await runner.run(_task())
    assert (result.status, result.error_type, result.error) == (
        "failed",
        "InvokeBadRequestError",
        "bad request",
    )
    assert results.data["task:run-1:n1:1"]["status"] == "failed"


async def test_unconfigured_provider_fails_clearly_unless_a_default_model_stands_in() -> None:
    runner, _ = _runner(InMemoryModelClient())
    task = _task(data={**LLM_DATA, "model": {"provider": "anthropic", "name": "claude"}})
    result = await runner.run(task)
    assert result.status == "failed" and result.error_type == "ProviderNotInitializeError"
    assert "anthropic" in (result.error or "")
    model = InMemoryModelClient()
    runner, _ = _runner(model, default_base_url="http://127.0.0.1:9/v1")
    result = await runner.run(task)
    assert result.status == "succeeded" and result.metadata["mock_model"] is True
    target = model.requests[0].target
    assert (target.mock, target.api_base, target.litellm_model) == (
        True,
        "http://127.0.0.1:9/v1",
        "openai/claude",
    )
    assert result.outputs["usage"]["total_price"] == "0.0000000"


async def test_unknown_node_type_fails_cleanly() -> None:
    runner, _ = _runner(InMemoryModelClient())
    result = await runner.run(_task(node_type="code"))
    assert result.status == "failed" and result.error_type == "UnsupportedNodeError"


async def test_not_before_holds_the_task_until_due() -> None:
    runner, _ = _runner(InMemoryModelClient())
    task = _task()
    task.not_before = time.time() + 0.3
    started = time.monotonic()
    await runner.run(task)
    assert time.monotonic() - started >= 0.25


@pytest.mark.parametrize("attempt", [1, 2])
async def test_each_attempt_has_its_own_keys(attempt: int) -> None:
    model = InMemoryModelClient()
    runner, publisher = _runner(model)
    await runner.run(_task(attempt=attempt))
    assert model.requests[0].idempotency_key == f"run-1:n1:{attempt}:call1"
    assert publisher.results[0].attempt == attempt


async def test_a_bus_failure_is_raised_for_redelivery_not_stored_as_a_result() -> None:
    results = InMemoryResultStore()
    runner, publisher = _runner(InMemoryModelClient(), results)

    async def broken(event) -> None:  # noqa: ANN001
        raise ConnectionError("nats down")

    publisher.publish = broken  # type: ignore[method-assign]
    with pytest.raises(PublishError):
        await runner.run(_task())
    assert "task:run-1:n1:1" not in results.data


async def test_provider_error_messages_never_carry_the_api_key(mock_model) -> None:  # noqa: ANN001
    from pydantic import SecretStr
    from riverflow.agent.adapters.litellm_model import LiteLLMModelClient
    from riverflow.agent.ports import ChatMessage, ModelRequest, ModelTarget

    key = "sk-very-secret-123"
    mock_model.script(
        [{"match": {}, "error": {"status": 401, "message": f"Incorrect API key provided: {key}"}}]
    )
    target = ModelTarget("openai", "m", "openai/m", api_base=mock_model.base_url, api_key=SecretStr(key))
    request = ModelRequest(target=target, messages=(ChatMessage("user", "hi"),))
    with pytest.raises(ModelError) as failure:
        await LiteLLMModelClient(timeout=10).complete(request)
    assert key not in str(failure.value) and failure.value.error_type == "InvokeAuthorizationError"
