"""Wiring the agent from settings: adapters behind the ports, the resilient model client, tools."""

from __future__ import annotations

from urllib.parse import urlsplit

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from pydantic import SecretStr
from riverflow.agent.adapters.http_fetch import HttpFetcher
from riverflow.agent.adapters.jetstream import (
    InboxPublisher,
    KvCredentialStore,
    KvResultStore,
    ensure_results_bucket,
)
from riverflow.agent.adapters.litellm_model import LiteLLMModelClient
from riverflow.agent.model_routing import ModelRouter, RouterConfig
from riverflow.agent.ports import ModelClient
from riverflow.agent.resilience import BreakerBoard, ProviderLimits, ResilientModelClient, RetryPolicy
from riverflow.agent.settings import AgentSettings
from riverflow.agent.task_runner import TaskRunner
from riverflow.agent.tools.mcp import McpToolProvider
from riverflow.agent.tools.registry import ToolRegistry
from riverflow.runtime.secret_box import SecretBox

__all__ = ["build_runner", "gateway_fetcher", "resilient_client", "router_config", "secret_box"]


def router_config(settings: AgentSettings) -> RouterConfig:
    return RouterConfig(
        default_base_url=settings.default_model_base_url,
        default_api_key=settings.default_model_api_key.get_secret_value(),
        default_price=(settings.default_model_input_price, settings.default_model_output_price),
        fallback_models=settings.fallback_models,
        allow_env_credentials=settings.allow_env_credentials,
    )


def resilient_client(settings: AgentSettings, inner: ModelClient | None = None) -> ResilientModelClient:
    return ResilientModelClient(
        inner or LiteLLMModelClient(timeout=settings.request_timeout_seconds),
        RetryPolicy(
            settings.max_attempts, settings.retry_base_delay_seconds, settings.retry_max_delay_seconds
        ),
        ProviderLimits(settings.provider_concurrency, settings.provider_concurrency_overrides),
        BreakerBoard(settings.breaker_failure_threshold, settings.breaker_reset_seconds),
    )


def secret_box(settings: AgentSettings) -> SecretBox | None:
    """The box that opens the gateway's sealed credentials, from the key or the key file (if there yet)."""
    if settings.secret_key is not None:
        return SecretBox(settings.secret_key)
    path = settings.secret_key_file
    if path is not None and path.is_file() and path.read_text().strip():
        return SecretBox(SecretStr(path.read_text().strip()))
    return None


def gateway_fetcher(settings: AgentSettings) -> HttpFetcher | None:
    """Trusts the gateway's exact host and port (often private), follows no redirect (the key stays)."""
    if not settings.gateway_url:
        return None
    parts = urlsplit(settings.gateway_url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    return HttpFetcher(
        allow_hosts=frozenset({f"{parts.hostname}:{port}"}),
        timeout=settings.app_tool_timeout_seconds,
        max_redirects=0,
    )


async def build_runner(settings: AgentSettings, js: JetStreamContext, broker: NatsBroker) -> TaskRunner:
    credentials = KvCredentialStore(js, lambda: secret_box(settings), ttl=settings.credentials_cache_seconds)
    fetcher = HttpFetcher(
        allow_private=settings.tools_allow_private_networks,
        allow_hosts=frozenset(settings.tools_allow_hosts),
        timeout=settings.tools_http_timeout_seconds,
    )
    return TaskRunner(
        router=ModelRouter(credentials, router_config(settings)),
        client=resilient_client(settings),
        results=KvResultStore(await ensure_results_bucket(js)),
        tools=ToolRegistry(
            credentials,
            fetcher=fetcher,
            mcp_factory=McpToolProvider.factory(fetcher, settings.mcp_allow_stdio),
            gateway_url=settings.gateway_url,
            app_fetcher=gateway_fetcher(settings),
        ),
        publisher=InboxPublisher(broker),
    )
