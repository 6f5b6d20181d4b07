"""The agent service's settings: ``AGENT_*``, plus ``NATS_*`` and ``OTEL_*`` for the shared sections."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict
from riverflow.runtime.settings import ServiceSettings

__all__ = ["AgentSettings"]


class AgentSettings(ServiceSettings):
    """Ports are listen ports on ``host``; 0 turns that listener off."""

    model_config = SettingsConfigDict(env_prefix="AGENT_", extra="ignore")

    host: str = "0.0.0.0"
    #: HTTP ``/healthz`` and ``/readyz`` for Kubernetes probes.
    health_port: int = Field(default=8083, ge=0, le=65535)
    #: Concurrent node tasks per replica. A task mostly waits on its provider's stream, so this
    #: is sized to the consumer's in-flight bound (NATS_MAX_IN_FLIGHT, 64): at 16, concurrent
    #: chats queued with the CPU half idle (bench/chat_load.py).
    max_workers: int = Field(default=64, ge=1)

    #: Shared with the gateway: opens the provider credentials it sealed (``RIVERFLOW_SECRET_KEY``).
    secret_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("RIVERFLOW_SECRET_KEY", "AGENT_SECRET_KEY")
    )
    #: Else a file holding it, e.g. the gateway's generated ``<data_dir>/secret-key`` (embedded ``up``).
    secret_key_file: Path | None = None
    credentials_cache_seconds: float = 30.0

    #: OpenAI-compatible endpoint for workspaces without credentials (``riverflow mockllm``).
    default_model_base_url: str | None = None
    default_model_api_key: SecretStr = SecretStr("riverflow-mock")
    #: USD per token charged for the default model (0: the mock is free).
    default_model_input_price: float = 0.0
    default_model_output_price: float = 0.0
    #: Fallback models per app id ("*" = every app), e.g. ``{"*": ["openai/gpt-4o-mini"]}`` (JSON).
    fallback_models: dict[str, list[Any]] = Field(default_factory=dict)
    #: Let litellm read provider keys (OPENAI_API_KEY...) from this process's environment.
    allow_env_credentials: bool = False

    request_timeout_seconds: float = 120.0
    max_attempts: int = Field(default=3, ge=1)
    retry_base_delay_seconds: float = 0.5
    retry_max_delay_seconds: float = 8.0
    #: Concurrent calls per provider and replica (the same size as max_workers by default).
    provider_concurrency: int = Field(default=64, ge=1)
    #: Per provider name, e.g. ``{"openai": 32}`` (JSON).
    provider_concurrency_overrides: dict[str, int] = Field(default_factory=dict)
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_reset_seconds: float = 30.0

    #: Tools may reach private and loopback addresses (never in production).
    tools_allow_private_networks: bool = False
    #: Hosts (``host`` or ``host:port``) tools may reach even when private.
    tools_allow_hosts: list[str] = Field(default_factory=list)
    tools_http_timeout_seconds: float = 10.0
    #: MCP servers started as local commands (stdio) run code on this host: off unless allowed.
    mcp_allow_stdio: bool = False
    #: The gateway's base URL (e.g. ``http://gateway:5001``): apps used as tools are run through
    #: its Service API. Only this exact origin is trusted by the SSRF guard; unset = no app tools.
    gateway_url: str | None = None
    #: A tool app's run is blocking: allow it as long as a run may take.
    app_tool_timeout_seconds: float = 300.0
