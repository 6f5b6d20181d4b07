"""From a node's ``model`` block to concrete targets: provider mapping, credentials, mock, fallbacks."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pydantic import SecretStr
from riverflow.agent.ports import CredentialStore, ModelError, ModelTarget

__all__ = ["LITELLM_PREFIX", "provider_name", "ModelRouter", "RouterConfig", "parse_model_ref"]

#: Dify provider names → litellm provider prefixes (anything else is passed through as-is).
LITELLM_PREFIX = {
    "openai": "openai",
    "openai_api_compatible": "openai",
    "anthropic": "anthropic",
    "azure_openai": "azure",
    "azure": "azure",
    "gemini": "gemini",
    "google": "gemini",
    "vertex_ai": "vertex_ai",
    "ollama": "ollama",
    "deepseek": "deepseek",
    "mistralai": "mistral",
    "groq": "groq",
    "bedrock": "bedrock",
    "openrouter": "openrouter",
}


def provider_name(provider: str) -> str:
    """Dify plugin ids look like ``langgenius/openai/openai``; the provider is the last part."""
    return (provider or "").rstrip("/").split("/")[-1] or "openai"


def parse_model_ref(ref: Any) -> dict[str, Any] | None:
    """A fallback model given as ``"provider/name"`` or ``{provider, name}``."""
    if isinstance(ref, dict) and ref.get("name"):
        return {"provider": str(ref.get("provider") or "openai"), "name": str(ref["name"])}
    if isinstance(ref, str) and "/" in ref:
        provider, name = ref.rsplit("/", 1)
        return {"provider": provider, "name": name}
    return None


@dataclass
class RouterConfig:
    #: OpenAI-compatible endpoint used when a workspace has no credentials (the shipped mock).
    default_base_url: str | None = None
    default_api_key: str = "riverflow-mock"
    #: Per-token prices (input, output) charged for the default model.
    default_price: tuple[float, float] = (0.0, 0.0)
    #: Fallback models per app id ("*" for every app), tried in order after the node's own.
    fallback_models: dict[str, list[Any]] = field(default_factory=dict)
    #: Let litellm read provider keys from the agent's environment when a workspace has none.
    allow_env_credentials: bool = False


class ModelRouter:
    def __init__(self, credentials: CredentialStore, config: RouterConfig | None = None) -> None:
        self.credentials = credentials
        self.config = config or RouterConfig()

    async def target(self, workspace_id: str, model: dict[str, Any]) -> ModelTarget:
        provider = provider_name(str(model.get("provider") or "openai"))
        name = str(model.get("name") or model.get("model") or "")
        if not name:
            if self.config.default_base_url:  # a node with no model chosen yet still answers, on the mock
                return self._default(provider, "riverflow-mock")
            raise ModelError("the node names no model", retryable=False, error_type="InvokeBadRequestError")
        creds = None
        if workspace_id:
            creds = await self.credentials.get(workspace_id, provider)
            if creds is None and provider != model.get("provider"):
                creds = await self.credentials.get(workspace_id, str(model.get("provider")))
        prefix = LITELLM_PREFIX.get(provider, provider)
        if creds is not None:
            key = creds.get("api_key")
            return ModelTarget(
                provider=provider,
                name=name,
                litellm_model=f"{prefix}/{name}",
                api_base=creds.get("api_base") or None,
                api_key=SecretStr(str(key)) if key else None,
                extra=dict(creds.get("extra") or {}),
                price=_price(creds.get("price")),
            )
        if self.config.default_base_url:
            # No provider configured: the shipped mock stands in, and the result says so.
            return self._default(provider, name)
        if self.config.allow_env_credentials:
            return ModelTarget(provider=provider, name=name, litellm_model=f"{prefix}/{name}")
        raise ModelError(
            f"Provider {provider} is not configured for this workspace: add its credentials in the console",
            retryable=False,
            error_type="ProviderNotInitializeError",
        )

    def _default(self, provider: str, name: str) -> ModelTarget:
        return ModelTarget(
            provider=provider,
            name=name,
            litellm_model=f"openai/{name}",
            api_base=self.config.default_base_url,
            api_key=SecretStr(self.config.default_api_key),
            price=self.config.default_price,
            mock=True,
        )

    async def fallbacks(self, workspace_id: str, app_id: str, data: dict[str, Any]) -> list[ModelTarget]:
        """Fallback targets: the node's (``fallback_models`` in its data or model block), then the app's."""
        refs = list(data.get("fallback_models") or []) + list(
            (data.get("model") or {}).get("fallback_models") or []
        )
        refs += list(self.config.fallback_models.get(app_id, [])) + list(
            self.config.fallback_models.get("*", [])
        )
        targets: list[ModelTarget] = []
        for ref in refs:
            parsed = parse_model_ref(ref)
            if parsed is None:
                continue
            try:
                targets.append(await self.target(workspace_id, parsed))
            except ModelError:
                continue  # an unconfigured fallback is skipped, not fatal
        return targets


def _price(value: Any) -> tuple[float, float] | None:
    if isinstance(value, dict):
        return float(value.get("input", 0)), float(value.get("output", 0))
    return None
