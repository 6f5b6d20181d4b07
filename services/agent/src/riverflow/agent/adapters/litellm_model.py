"""``ModelClient`` over litellm: every provider, streamed, offline cost map, errors classified.

litellm takes seconds to import, so it is imported once, lazily, in a worker thread
(``preload`` starts that at service start-up); it must never reach the network at import, hence
the offline switches set before the import.
"""

from __future__ import annotations

import asyncio
import os
import threading
import time
from types import ModuleType
from typing import Any

from riverflow.agent.ports import (
    ChatMessage,
    DeltaSink,
    ModelError,
    ModelRequest,
    ModelResponse,
    ModelTarget,
    ToolCall,
)

__all__ = ["LiteLLMModelClient", "preload", "load_litellm", "classify_error"]

_lock = threading.Lock()
_module: ModuleType | None = None


def _import() -> ModuleType:
    global _module
    with _lock:
        if _module is None:
            os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
            os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
            import litellm

            litellm.suppress_debug_info = True
            litellm.telemetry = False
            litellm.drop_params = True  # a parameter a provider lacks is dropped, not an error
            _module = litellm
        return _module


def preload() -> threading.Thread:
    """Start importing litellm in a daemon thread; ``load_litellm`` waits for it."""
    thread = threading.Thread(target=_import, name="litellm-import", daemon=True)
    thread.start()
    return thread


async def load_litellm() -> ModuleType:
    if _module is not None:
        return _module
    return await asyncio.to_thread(_import)


_RETRYABLE_STATUS = {408, 409, 425, 429, 500, 502, 503, 504, 529}


def classify_error(exc: BaseException) -> ModelError:
    """A provider exception as a ``ModelError`` (status, retryable, Dify's error type name)."""
    if isinstance(exc, ModelError):
        return exc
    status = getattr(exc, "status_code", None)
    name = type(exc).__name__
    message = str(exc) or name
    if isinstance(exc, (asyncio.TimeoutError, TimeoutError)) or "Timeout" in name:
        return ModelError(message, status=status or 408, retryable=True, error_type="InvokeConnectionError")
    if "APIConnectionError" in name or isinstance(exc, ConnectionError):
        return ModelError(message, status=status, retryable=True, error_type="InvokeConnectionError")
    if status == 429:
        return ModelError(message, status=429, retryable=True, error_type="InvokeRateLimitError")
    if isinstance(status, int) and status in _RETRYABLE_STATUS:
        return ModelError(message, status=status, retryable=True, error_type="InvokeServerUnavailableError")
    if status in (401, 403):
        return ModelError(message, status=status, retryable=False, error_type="InvokeAuthorizationError")
    if isinstance(status, int) and 400 <= status < 500:
        return ModelError(message, status=status, retryable=False, error_type="InvokeBadRequestError")
    return ModelError(message, status=status, retryable=False, error_type="InvokeError")


def _message(message: ChatMessage) -> dict[str, Any]:
    out: dict[str, Any] = {"role": message.role, "content": message.content}
    if message.tool_calls:
        out["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in message.tool_calls
        ]
        out["content"] = message.content or None
    if message.tool_call_id:
        out["tool_call_id"] = message.tool_call_id
    if message.name:
        out["name"] = message.name
    return out


def _price(litellm: ModuleType, target: ModelTarget) -> tuple[float, float]:
    if target.price is not None:
        return target.price
    model = target.litellm_model
    for key in (model, model.split("/", 1)[-1], target.name):
        info = litellm.model_cost.get(key)
        if info:
            return float(info.get("input_cost_per_token") or 0), float(info.get("output_cost_per_token") or 0)
    return 0.0, 0.0


def _estimate_tokens(text: str) -> int:
    # Providers that omit usage get an estimate (~4 characters a token), never a network tokenizer.
    return max(1, len(text) // 4) if text else 0


class LiteLLMModelClient:
    """Calls ``acompletion(stream=True)`` and relays each delta as it arrives (nothing batched)."""

    def __init__(self, timeout: float = 120.0) -> None:
        self.timeout = timeout

    async def complete(self, request: ModelRequest, on_delta: DeltaSink | None = None) -> ModelResponse:
        litellm = await load_litellm()
        target = request.target
        kwargs: dict[str, Any] = {
            **{k: v for k, v in request.parameters.items() if v is not None},
            **target.extra,
            "model": target.litellm_model,
            "messages": [_message(m) for m in request.messages],
            "stream": True,
            "stream_options": {"include_usage": True},
            "timeout": self.timeout,
            # Retries are ours (jittered backoff, breaker, fallbacks): none inside litellm or openai.
            "num_retries": 0,
            "max_retries": 0,
        }
        if target.api_base:
            kwargs["api_base"] = target.api_base
        if target.api_key is not None:
            kwargs["api_key"] = target.api_key.get_secret_value()
        if request.idempotency_key:
            kwargs["extra_headers"] = {"Idempotency-Key": request.idempotency_key}
        if request.tools:
            kwargs["tools"] = list(request.tools)
            if request.tool_choice is not None:
                kwargs["tool_choice"] = request.tool_choice
        if request.response_format is not None:
            kwargs["response_format"] = request.response_format
        started = time.perf_counter()
        text: list[str] = []
        reasoning: list[str] = []
        calls: dict[int, dict[str, str]] = {}
        usage: Any = None
        finish = "stop"
        try:
            stream = await litellm.acompletion(**kwargs)
            async for chunk in stream:
                usage = getattr(chunk, "usage", None) or usage
                if not chunk.choices:
                    continue
                choice = chunk.choices[0]
                finish = choice.finish_reason or finish
                delta = choice.delta
                piece = getattr(delta, "reasoning_content", None)
                if piece:
                    reasoning.append(piece)
                    if on_delta is not None:
                        await on_delta("reasoning_content", piece)
                if delta.content:
                    text.append(delta.content)
                    if on_delta is not None:
                        await on_delta("text", delta.content)
                for call in getattr(delta, "tool_calls", None) or []:
                    slot = calls.setdefault(call.index or 0, {"id": "", "name": "", "arguments": ""})
                    slot["id"] = call.id or slot["id"]
                    if call.function is not None:
                        slot["name"] = call.function.name or slot["name"]
                        slot["arguments"] += call.function.arguments or ""
        except Exception as exc:  # noqa: BLE001 - every provider error is classified for retry logic
            error = classify_error(exc)
            secret = target.api_key.get_secret_value() if target.api_key is not None else ""
            if secret and secret in str(error):  # provider messages must never carry the key onwards
                error = ModelError(
                    str(error).replace(secret, "***"),
                    status=error.status,
                    retryable=error.retryable,
                    error_type=error.error_type,
                )
            raise error from None
        answer = "".join(text)
        prompt_tokens = int(getattr(usage, "prompt_tokens", 0) or 0)
        completion_tokens = int(getattr(usage, "completion_tokens", 0) or 0)
        if usage is None:
            prompt_tokens = sum(_estimate_tokens(str(m.content or "")) for m in request.messages)
            completion_tokens = _estimate_tokens(answer + "".join(reasoning))
        return ModelResponse(
            text=answer,
            prompt_tokens=prompt_tokens,
            completion_tokens=completion_tokens,
            finish_reason=str(finish),
            reasoning="".join(reasoning),
            tool_calls=[
                ToolCall(c["id"] or f"call_{i}", c["name"], c["arguments"]) for i, c in sorted(calls.items())
            ],
            price=_price(litellm, target),
            latency=time.perf_counter() - started,
            model=target.litellm_model,
        )
