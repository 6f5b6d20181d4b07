"""The OpenAI-compatible HTTP routes of the mock model, plus ``/mock/*`` controls for tests."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, StreamingResponse
from riverflow.mockllm.ledger import NO_KEY, CallStats, Fault, Ledger
from riverflow.mockllm.rerank import rerank_reply
from riverflow.mockllm.script import Reply, Script
from riverflow.mockllm.tokens import count_tokens, embed, prompt_tokens, split_tokens

__all__ = ["MockConfig", "create_app"]


@dataclass
class MockConfig:
    """How the mock behaves; every field has a ``riverflow mockllm`` flag."""

    models: list[str] = field(default_factory=lambda: ["riverflow-mock"])
    script: Script = field(default_factory=Script)
    token_latency_ms: float = 0.0
    first_token_delay_ms: float = 0.0
    #: Fail the first N calls of every idempotency key with ``fail_status`` (retry tests).
    fail_first: int = 0
    fail_status: int = 429
    embedding_dimensions: int = 16


def _key(request: Request) -> str:
    return request.headers.get("idempotency-key") or request.headers.get("x-request-id") or NO_KEY


def _error(status: int, message: str) -> JSONResponse:
    kind = (
        "rate_limit_error" if status == 429 else "server_error" if status >= 500 else "invalid_request_error"
    )
    headers = {"retry-after": "0"} if status == 429 else None
    return JSONResponse(
        {"error": {"message": message, "type": kind, "code": status}}, status, headers=headers
    )


def _usage(prompt: int, completion: int) -> dict[str, int]:
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def create_app(config: MockConfig | None = None) -> FastAPI:
    config = config or MockConfig()
    ledger = Ledger()
    app = FastAPI(title="riverflow mock model", docs_url=None, redoc_url=None, openapi_url=None)
    app.state.config, app.state.ledger = config, ledger
    counter = {"n": 0}

    def next_id(prefix: str) -> str:
        counter["n"] += 1
        return f"{prefix}-mock{counter['n']}"

    async def start(
        request: Request, path: str
    ) -> tuple[dict[str, Any], dict[str, Any], CallStats, JSONResponse | None]:
        try:
            body = await request.json()
        except ValueError:
            return {}, {"sent_at": []}, CallStats(), _error(400, "body must be JSON")
        key = _key(request)
        stats, record = ledger.begin(key, path, body)
        fault = ledger.fault_for(key, str(body.get("model", "")))
        if fault is None and config.fail_first and stats.calls <= config.fail_first:
            stats.failed += 1
            fault = Fault(status=config.fail_status, count=0, message="injected failure (--fail-first)")
        return body, record, stats, _error(fault.status, fault.message) if fault else None

    @app.post("/v1/chat/completions")
    async def chat(request: Request):  # noqa: ANN202 - JSON or a stream
        body, record, stats, failure = await start(request, "/v1/chat/completions")
        if failure is not None:
            return failure
        reply = config.script.reply_for(body)
        if reply.error_status:
            stats.failed += 1
            return _error(reply.error_status, reply.error_message)
        model = str(body.get("model") or config.models[0])
        prompt = prompt_tokens(body.get("messages") or [])
        completion = (
            count_tokens(reply.text)
            + count_tokens(reply.reasoning)
            + sum(count_tokens(c["arguments"]) + 1 for c in reply.tool_calls)
        )
        usage = (
            _usage(prompt, completion)
            if reply.usage is None
            else _usage(
                int(reply.usage.get("prompt_tokens", prompt)),
                int(reply.usage.get("completion_tokens", completion)),
            )
        )
        first = (
            reply.first_token_delay_ms
            if reply.first_token_delay_ms is not None
            else config.first_token_delay_ms
        )
        per_token = reply.token_latency_ms if reply.token_latency_ms is not None else config.token_latency_ms
        cid = next_id("chatcmpl")
        if body.get("stream"):
            include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
            chunks = _chat_chunks(reply, cid, model, usage if include_usage else None)
            return StreamingResponse(
                _paced(chunks, first, per_token, stats, usage["completion_tokens"], record["sent_at"]),
                media_type="text/event-stream",
            )
        await asyncio.sleep((first + per_token * max(1, len(split_tokens(reply.text)))) / 1000)
        stats.completed += 1
        stats.completion_tokens += usage["completion_tokens"]
        message: dict[str, Any] = {"role": "assistant", "content": reply.text or None}
        if reply.reasoning:
            message["reasoning_content"] = reply.reasoning
        if reply.tool_calls:
            message["tool_calls"] = [
                {"id": f"call_{i}", "type": "function", "function": c} for i, c in enumerate(reply.tool_calls)
            ]
        return {
            "id": cid,
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": reply.finish_reason}],
            "usage": usage,
        }

    @app.post("/v1/completions")
    async def completions(request: Request):  # noqa: ANN202
        body, record, stats, failure = await start(request, "/v1/completions")
        if failure is not None:
            return failure
        prompt = body.get("prompt") or ""
        prompt_text = prompt if isinstance(prompt, str) else " ".join(map(str, prompt))
        reply = config.script.reply_for({**body, "messages": [{"role": "user", "content": prompt_text}]})
        model = str(body.get("model") or config.models[0])
        usage = _usage(count_tokens(prompt_text), count_tokens(reply.text))
        cid = next_id("cmpl")
        if body.get("stream"):
            chunks = [
                {
                    "id": cid,
                    "object": "text_completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "text": token, "finish_reason": None}],
                }
                for token in split_tokens(reply.text)
            ]
            chunks.append(
                {
                    "id": cid,
                    "object": "text_completion",
                    "created": int(time.time()),
                    "model": model,
                    "choices": [{"index": 0, "text": "", "finish_reason": "stop"}],
                    "usage": usage,
                }
            )
            return StreamingResponse(
                _paced(
                    chunks,
                    config.first_token_delay_ms,
                    config.token_latency_ms,
                    stats,
                    usage["completion_tokens"],
                    record["sent_at"],
                ),
                media_type="text/event-stream",
            )
        stats.completed += 1
        stats.completion_tokens += usage["completion_tokens"]
        return {
            "id": cid,
            "object": "text_completion",
            "created": int(time.time()),
            "model": model,
            "choices": [{"index": 0, "text": reply.text, "finish_reason": "stop"}],
            "usage": usage,
        }

    @app.post("/v1/embeddings")
    async def embeddings(request: Request):  # noqa: ANN202
        body, record, stats, failure = await start(request, "/v1/embeddings")
        if failure is not None:
            return failure
        inputs = body.get("input") or []
        texts = [inputs] if isinstance(inputs, str) else [str(t) for t in inputs]
        dims = int(body.get("dimensions") or config.embedding_dimensions)
        stats.completed += 1
        tokens = sum(count_tokens(t) for t in texts)
        return {
            "object": "list",
            "model": body.get("model") or config.models[0],
            "data": [
                {"object": "embedding", "index": i, "embedding": embed(t, dims)} for i, t in enumerate(texts)
            ],
            "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
        }

    @app.post("/v1/rerank")
    @app.post("/v2/rerank")
    async def rerank(request: Request):  # noqa: ANN202
        body, _, stats, failure = await start(request, request.url.path)
        if failure is not None:
            return failure
        try:
            reply = rerank_reply(body, config.models[0])
        except ValueError as exc:
            return _error(400, str(exc))
        stats.completed += 1
        return reply

    @app.get("/v1/models")
    async def models() -> dict[str, Any]:
        return {
            "object": "list",
            "data": [{"id": m, "object": "model", "owned_by": "riverflow"} for m in config.models],
        }

    @app.get("/mock/calls")
    async def calls() -> dict[str, Any]:
        return ledger.summary()

    @app.get("/mock/calls/{key:path}")
    async def calls_for(key: str) -> dict[str, int]:
        return ledger.stats(key).as_dict()

    @app.get("/mock/requests")
    async def requests(key: str | None = None) -> list[dict[str, Any]]:
        return [r for r in ledger.requests if key is None or r["key"] == key]

    @app.post("/mock/faults")
    async def add_fault(request: Request) -> dict[str, Any]:
        spec = await request.json()
        fault = Fault(
            status=int(spec.get("status", 429)),
            count=int(spec.get("count", 1)),
            model=spec.get("model"),
            per_key=bool(spec.get("per_key", True)),
            message=str(spec.get("message", "injected failure")),
        )
        ledger.faults.append(fault)
        return {"faults": len(ledger.faults)}

    @app.post("/mock/script")
    async def set_script(request: Request) -> dict[str, int]:
        config.script = Script.from_data(await request.json())
        return {"rules": len(config.script.rules)}

    @app.post("/mock/reset")
    async def reset() -> dict[str, str]:
        ledger.reset()
        return {"result": "success"}

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    return app


def _chat_chunks(reply: Reply, cid: str, model: str, usage: dict[str, int] | None) -> list[dict[str, Any]]:
    created = int(time.time())

    def chunk(delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
        return {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }

    chunks = [chunk({"role": "assistant", "content": ""})]
    chunks += [chunk({"reasoning_content": t}) for t in split_tokens(reply.reasoning)]
    chunks += [chunk({"content": t}) for t in split_tokens(reply.text)]
    for i, call in enumerate(reply.tool_calls):
        head = {
            "index": i,
            "id": f"call_{i}",
            "type": "function",
            "function": {"name": call["name"], "arguments": ""},
        }
        chunks.append(chunk({"tool_calls": [head]}))
        for piece in split_tokens(call["arguments"]) or [call["arguments"]]:
            chunks.append(chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]}))
    chunks.append(chunk({}, reply.finish_reason))
    if usage is not None:
        chunks.append(
            {
                "id": cid,
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "choices": [],
                "usage": usage,
            }
        )
    return chunks


async def _paced(
    chunks: list[dict[str, Any]],
    first_ms: float,
    per_token_ms: float,
    stats: CallStats,
    completion_tokens: int,
    sent_at: list[float],
) -> AsyncIterator[bytes]:
    """SSE frames with the configured delays; counts the call completed only once fully sent."""
    finished = False
    try:
        if first_ms:
            await asyncio.sleep(first_ms / 1000)
        for i, chunk in enumerate(chunks):
            if i > 1 and per_token_ms:
                await asyncio.sleep(per_token_ms / 1000)
            sent_at.append(time.time())  # benchmarks compare it with when the client got the token
            yield f"data: {json.dumps(chunk, ensure_ascii=False)}\n\n".encode()
        yield b"data: [DONE]\n\n"
        finished = True
    finally:
        if finished:
            stats.completed += 1
            stats.completion_tokens += completion_tokens
        else:
            stats.aborted += 1
