"""ASGI middleware: a server span per request, and the request body size limit."""

from __future__ import annotations

import json

from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode, TracerProvider
from starlette.types import ASGIApp, Message, Receive, Scope, Send

__all__ = ["TracingMiddleware", "BodyLimitMiddleware"]


class TracingMiddleware:
    """Wraps each HTTP request in a SERVER span (parent taken from ``traceparent`` if sent), so
    everything the handler does, the bus publish included, is its child."""

    def __init__(self, app: ASGIApp, tracer_provider: TracerProvider | None = None) -> None:
        self.app = app
        self.tracer = trace.get_tracer("riverflow.gateway", tracer_provider=tracer_provider)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        carrier = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method, path = scope["method"], scope["path"]
        with self.tracer.start_as_current_span(
            f"{method} {path}",
            context=propagate.extract(carrier),
            kind=SpanKind.SERVER,
            attributes={"http.request.method": method, "url.path": path},
        ) as span:

            async def send_traced(message: Message) -> None:
                if message["type"] == "http.response.start":
                    status = message["status"]
                    span.set_attribute("http.response.status_code", status)
                    if status >= 500:
                        span.set_status(Status(StatusCode.ERROR))
                await send(message)

            await self.app(scope, receive, send_traced)
            route = scope.get("route")
            if route is not None and getattr(route, "path", None):
                span.update_name(f"{method} {route.path}")
                span.set_attribute("http.route", route.path)


def _too_large_body(limit: int) -> bytes:
    return json.dumps(
        {
            "code": "request_entity_too_large",
            "message": f"The request body exceeds the limit of {limit} bytes.",
            "status": 413,
        }
    ).encode()


#: Routes that take files: they get ``upload_bytes`` and check per-type limits themselves.
UPLOAD_SUFFIXES = ("/files/upload", "/audio-to-text", "/create-by-file", "/create_by_file")


class BodyLimitMiddleware:
    """Answers 413 (Dify error body) for bodies over ``max_bytes`` (``upload_bytes`` on upload
    routes), declared or streamed."""

    def __init__(self, app: ASGIApp, max_bytes: int, upload_bytes: int | None = None) -> None:
        self.app, self.default_bytes = app, max_bytes
        self.upload_bytes = upload_bytes if upload_bytes is not None else max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.upload_bytes if scope["path"].endswith(UPLOAD_SUFFIXES) else self.default_bytes
        headers = dict(scope.get("headers", []))
        declared = headers.get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > limit:
            await self._reject(send, limit)
            return
        # Unknown length (chunked): read the body up front, refusing it past the limit.
        if declared is None and headers.get(b"transfer-encoding", b"").lower() == b"chunked":
            chunks, size = [], 0
            while True:
                message = await receive()
                if message["type"] != "http.request":
                    return
                size += len(message.get("body", b""))
                if size > limit:
                    await self._reject(send, limit)
                    return
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    break
            body = b"".join(chunks)
            replayed = False

            async def replay() -> Message:
                nonlocal replayed
                if not replayed:
                    replayed = True
                    return {"type": "http.request", "body": body, "more_body": False}
                return await receive()

            await self.app(scope, replay, send)
            return
        await self.app(scope, receive, send)

    async def _reject(self, send: Send, limit: int) -> None:
        body = _too_large_body(limit)
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [
                    (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode()),
                ],
            }
        )
        await send({"type": "http.response.body", "body": body})
