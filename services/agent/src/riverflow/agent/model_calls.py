"""A task's model calls: routing, resilience, per-call checkpoints, and the usage they add up to.

Call ``n`` of a task has the idempotency key ``<task key>:call<n>``: it is sent to the provider and
keys a checkpoint of the finished call (text, usage, and the deltas it streamed). A redelivered task
replays finished calls from their checkpoints, deltas included (so chunk numbering lines up with
what was already published), and never bills them twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from riverflow.agent.model_routing import ModelRouter
from riverflow.agent.ports import (
    ChatMessage,
    DeltaSink,
    ModelRequest,
    ModelResponse,
    ModelTarget,
    ResultStore,
    ToolCall,
)
from riverflow.agent.pricing import merge_usage, response_usage, usage_metadata
from riverflow.agent.resilience import ResilientModelClient

__all__ = ["ModelCaller"]


class ModelCaller:
    def __init__(
        self,
        router: ModelRouter,
        client: ResilientModelClient,
        results: ResultStore,
        *,
        task_key: str,
        workspace_id: str,
        app_id: str,
    ) -> None:
        self.router, self.client, self.results = router, client, results
        self.task_key, self.workspace_id, self.app_id = task_key, workspace_id, app_id
        self.count = 0
        self.usages: list[dict[str, Any]] = []
        self.mock = False
        self.replayed = 0
        self.last_target: ModelTarget | None = None

    async def call(
        self,
        data: dict[str, Any],
        messages: Sequence[ChatMessage],
        *,
        model: dict[str, Any] | None = None,
        on_delta: DeltaSink | None = None,
        tools: Sequence[dict[str, Any]] = (),
        tool_choice: Any = None,
        response_format: dict[str, Any] | None = None,
    ) -> ModelResponse:
        """One model call for the node described by ``data`` (its ``model`` block unless ``model``)."""
        self.count += 1
        key = f"{self.task_key}:call{self.count}"
        spec = model or data.get("model") or {}
        stored = await self.results.get(f"call:{key}")
        if stored is not None:
            self.replayed += 1
            response = _restore(stored["response"])
            for field, text in stored.get("deltas", []):
                if on_delta is not None:
                    await on_delta(field, text)
            self._account(response, bool(stored.get("mock")))
            return response
        target = await self.router.target(self.workspace_id, spec)
        fallbacks = await self.router.fallbacks(self.workspace_id, self.app_id, data)
        params = dict(spec.get("completion_params") or {})
        deltas: list[tuple[str, str]] = []

        async def record(field: str, text: str) -> None:
            deltas.append((field, text))
            if on_delta is not None:
                await on_delta(field, text)

        request = ModelRequest(
            target=target,
            messages=tuple(messages),
            parameters=_parameters(params),
            tools=tuple(tools),
            tool_choice=tool_choice,
            response_format=response_format,
            mode="completion" if spec.get("mode") == "completion" else "chat",
            idempotency_key=key,
        )
        response = await self.client.complete(request, record, fallbacks)
        used = response.target or target
        await self.results.put(
            f"call:{key}", {"response": _dump(response), "deltas": deltas, "mock": used.mock}
        )
        self._account(response, used.mock)
        return response

    def _account(self, response: ModelResponse, mock: bool) -> None:
        self.usages.append(response_usage(response))
        self.mock = self.mock or mock
        self.last_target = response.target

    @property
    def usage(self) -> dict[str, Any]:
        return merge_usage(self.usages)

    def metadata(self) -> dict[str, Any]:
        """Execution metadata: Dify's usage keys plus which model answered and whether it was the mock."""
        meta = usage_metadata(self.usage)
        if self.last_target is not None:
            meta["model_provider"] = self.last_target.provider
            meta["model_name"] = self.last_target.name
        if self.mock:
            meta["mock_model"] = True
        if self.replayed:
            meta["replayed_model_calls"] = self.replayed
        return meta


_PARAM_ALIASES = {
    "max_tokens",
    "temperature",
    "top_p",
    "presence_penalty",
    "frequency_penalty",
    "stop",
    "seed",
}


def _parameters(params: dict[str, Any]) -> dict[str, Any]:
    # Dify's completion_params carry UI-only keys too; pass the ones providers understand.
    out = {k: v for k, v in params.items() if k in _PARAM_ALIASES and v is not None}
    if "response_format" in params and isinstance(params["response_format"], str):
        if params["response_format"] in ("json_object", "json"):
            out["response_format"] = {"type": "json_object"}
    return out


def _dump(response: ModelResponse) -> dict[str, Any]:
    data = asdict(response)
    data["target"] = None  # credentials never go into the checkpoint
    if response.target is not None:
        data["target_info"] = {
            "provider": response.target.provider,
            "name": response.target.name,
            "litellm_model": response.target.litellm_model,
            "mock": response.target.mock,
        }
    return data


def _restore(data: dict[str, Any]) -> ModelResponse:
    info = data.pop("target_info", None)
    data.pop("target", None)
    data["tool_calls"] = [ToolCall(**c) for c in data.get("tool_calls", [])]
    data["price"] = tuple(data.get("price", (0.0, 0.0)))
    response = ModelResponse(**data)
    if info:
        response.target = ModelTarget(
            provider=info["provider"],
            name=info["name"],
            litellm_model=info["litellm_model"],
            mock=info["mock"],
        )
    return response
