"""Model routing: Dify provider names, workspace credentials, the default (mock) model, fallbacks."""

from __future__ import annotations

import time

import pytest
from riverflow.agent.adapters.litellm_model import LiteLLMModelClient
from riverflow.agent.model_routing import ModelRouter, RouterConfig, parse_model_ref, provider_name
from riverflow.agent.ports import ModelError
from riverflow.agent.reference import InMemoryCredentialStore, InMemoryPublisher, InMemoryResultStore
from riverflow.agent.resilience import ResilientModelClient, RetryPolicy
from riverflow.agent.task_runner import TaskRunner
from riverflow.agent.tools.registry import ToolRegistry
from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.mockllm import MockControl


def test_provider_names_and_model_refs() -> None:
    assert provider_name("langgenius/openai/openai") == "openai"
    assert provider_name("anthropic") == "anthropic"
    assert parse_model_ref("openai/gpt-4o") == {"provider": "openai", "name": "gpt-4o"}
    assert parse_model_ref({"provider": "x", "name": "y"}) == {"provider": "x", "name": "y"}
    assert parse_model_ref("no-slash") is None


async def test_workspace_credentials_map_to_litellm_targets() -> None:
    credentials = InMemoryCredentialStore(
        {
            ("ws", "azure_openai"): {
                "api_key": "az",
                "api_base": "https://az.example",
                "extra": {"api_version": "v"},
            },
            ("ws", "openai"): {"api_key": "sk", "price": {"input": 1e-6, "output": 2e-6}},
        }
    )
    router = ModelRouter(credentials)
    azure = await router.target("ws", {"provider": "langgenius/azure_openai/azure_openai", "name": "gpt4"})
    assert (azure.litellm_model, azure.api_base, azure.extra) == (
        "azure/gpt4",
        "https://az.example",
        {"api_version": "v"},
    )
    assert azure.api_key is not None and azure.api_key.get_secret_value() == "az" and "az'" not in repr(azure)
    openai = await router.target("ws", {"provider": "openai", "name": "gpt-4o"})
    assert openai.price == (1e-6, 2e-6) and not openai.mock
    with pytest.raises(ModelError, match="not configured"):
        await router.target("other-ws", {"provider": "openai", "name": "gpt-4o"})


async def test_fallbacks_come_from_the_node_then_the_app_then_everyone() -> None:
    credentials = InMemoryCredentialStore({("ws", "openai"): {"api_key": "sk"}})
    config = RouterConfig(
        fallback_models={"app-1": ["openai/app-fb"], "*": ["openai/all-fb", "anthropic/unset"]}
    )
    router = ModelRouter(credentials, config)
    data = {
        "model": {
            "provider": "openai",
            "name": "m",
            "fallback_models": [{"provider": "openai", "name": "node-fb"}],
        }
    }
    names = [t.name for t in await router.fallbacks("ws", "app-1", data)]
    assert names == ["node-fb", "app-fb", "all-fb"]  # the unconfigured anthropic one is skipped


async def test_a_failing_primary_falls_back_to_the_next_model_over_http(mock_model: MockControl) -> None:
    credentials = InMemoryCredentialStore(
        {("ws", "openai"): {"api_key": "sk", "api_base": mock_model.base_url}}
    )
    router = ModelRouter(credentials, RouterConfig(fallback_models={"*": ["openai/gpt-backup"]}))
    client = ResilientModelClient(LiteLLMModelClient(timeout=10), RetryPolicy(2, 0.01, 0.02))
    publisher = InMemoryPublisher()
    runner = TaskRunner(router, client, InMemoryResultStore(), ToolRegistry(credentials), publisher)
    mock_model.fault(503, 100, model="gpt-primary")  # the primary model is down
    task = NodeTaskRequested(
        run_id="r", node_id="n", node_type="llm", idempotency_key="r:n:1", at=time.time(), workspace_id="ws",
        data={"model": {"provider": "openai", "name": "gpt-primary", "mode": "chat"}},
        inputs={"prompt_messages": [{"role": "user", "content": "still answered"}]},
    )  # fmt: skip
    result = await runner.run(task)
    assert result.status == "succeeded" and result.outputs["text"] == "still answered"
    assert result.metadata["model_name"] == "gpt-backup"
    assert mock_model.calls("r:n:1:call1")["failed"] == 2  # both attempts on the primary
    assert mock_model.calls("r:n:1:call1:fallback1")["completed"] == 1


async def test_a_node_without_a_model_uses_the_default_model_or_fails_clearly() -> None:
    credentials = InMemoryCredentialStore()
    router = ModelRouter(credentials, RouterConfig(default_base_url="http://m/v1"))
    target = await router.target("ws", {"name": ""})
    assert target.mock and target.name == "riverflow-mock"
    with pytest.raises(ModelError, match="no model"):
        await ModelRouter(credentials).target("ws", {"provider": "openai", "name": ""})
