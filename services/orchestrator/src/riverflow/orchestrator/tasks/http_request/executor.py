"""The http-request node: send the request with httpx through the address guard, report as Dify."""

from __future__ import annotations

import asyncio
import base64
import time
from dataclasses import dataclass
from typing import Any

import httpcore
import httpx
from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.orchestrator.tasks.http_request.address_guard import (
    AddressNotAllowed,
    AddressPolicy,
    GuardedBackend,
)
from riverflow.orchestrator.tasks.http_request.request import (
    FileFetchError,
    HttpRequestNodeError,
    RequestSpec,
    Timeouts,
    build_request,
)
from riverflow.orchestrator.tasks.http_request.response import file_output, is_file_response, size_error
from riverflow.orchestrator.tasks.registry import TaskOutcome

__all__ = ["HttpLimits", "HttpRequestExecutor"]


@dataclass(frozen=True, slots=True)
class HttpLimits:
    """Dify's defaults: HTTP_REQUEST_MAX_*_TIMEOUT, HTTP_REQUEST_NODE_MAX_TEXT_SIZE / _BINARY_SIZE."""

    timeouts: Timeouts = Timeouts()
    max_text_bytes: int = 1024 * 1024
    max_binary_bytes: int = 10 * 1024 * 1024
    max_redirects: int = 10
    ssl_verify: bool = True


class _TooLarge(Exception):
    pass


class _GuardedTransport(httpx.AsyncHTTPTransport):
    """httpx's transport with the guarded network backend under its connection pool."""

    def __init__(self, policy: AddressPolicy, verify: bool) -> None:
        super().__init__(verify=verify, trust_env=False)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(verify=verify),  # SSL_CERT_FILE/DIR are honoured
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=GuardedBackend(policy),
        )


class HttpRequestExecutor:
    """Executes ``http-request`` tasks. One instance per process (it keeps two connection pools)."""

    def __init__(self, policy: AddressPolicy, limits: HttpLimits = HttpLimits()) -> None:
        self.policy = policy
        self.limits = limits
        self._clients: dict[bool, httpx.AsyncClient] = {}

    def _client(self, verify: bool) -> httpx.AsyncClient:
        if verify not in self._clients:
            self._clients[verify] = httpx.AsyncClient(
                transport=_GuardedTransport(self.policy, verify),
                trust_env=False,  # no proxy from the environment may bypass the guard
                follow_redirects=True,
                max_redirects=self.limits.max_redirects,
            )
        return self._clients[verify]

    async def aclose(self) -> None:
        for client in self._clients.values():
            await client.aclose()
        self._clients.clear()

    async def execute(self, task: NodeTaskRequested) -> TaskOutcome:
        try:
            spec = build_request(task.data, task.inputs, self.limits.timeouts, self.limits.ssl_verify)
        except HttpRequestNodeError as exc:
            return TaskOutcome.failed(str(exc), type(exc).__name__)
        process_data = {"request": spec.log()}
        started = time.monotonic()
        try:
            response, content = await self._send(spec)
        except HttpRequestNodeError as exc:
            return TaskOutcome.failed(str(exc), type(exc).__name__, process_data=process_data)
        except AddressNotAllowed as exc:
            return TaskOutcome.failed(str(exc), "RequestNotAllowedError", process_data=process_data)
        except _TooLarge as exc:
            return TaskOutcome.failed(str(exc), "ResponseSizeError", process_data=process_data)
        except (httpx.HTTPError, TimeoutError) as exc:
            reason = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
            return TaskOutcome.failed(
                f"Request to {spec.url} failed: {reason}", "HttpRequestNodeError", process_data=process_data
            )
        headers = dict(response.headers)
        is_file = is_file_response(headers, content[:1024])
        limit = self.limits.max_binary_bytes if is_file else self.limits.max_text_bytes
        if len(content) > limit:
            return TaskOutcome.failed(
                size_error(is_file, limit, len(content)), "ResponseSizeError", process_data=process_data
            )
        files = [file_output(str(response.url), headers, content)] if is_file else []
        text = "" if is_file else content.decode(response.encoding or "utf-8", errors="replace")
        outputs = {"status_code": response.status_code, "body": text, "headers": headers, "files": files}
        metadata = {"elapsed_time": round(time.monotonic() - started, 6)}
        data = task.data
        retry = data.get("retry_config") if isinstance(data.get("retry_config"), dict) else {}
        if not response.is_success and (data.get("error_strategy") or retry.get("retry_enabled")):
            return TaskOutcome.failed(
                f"Request failed with status code {response.status_code}",
                "HTTPResponseCodeError",
                outputs=outputs,
                process_data=process_data,
                metadata=metadata,
            )
        return TaskOutcome(outputs=outputs, process_data=process_data, metadata=metadata)

    async def _send(self, spec: RequestSpec) -> tuple[httpx.Response, bytes]:
        t = spec.timeouts
        timeout = httpx.Timeout(connect=t.connect, read=t.read, write=t.write, pool=t.connect)
        kwargs: dict[str, Any] = {"params": spec.params or None, "headers": spec.headers, "timeout": timeout}
        if spec.content is not None:
            kwargs["content"] = spec.content.encode()
        elif spec.has_json:
            kwargs["json"] = spec.json_body
        if spec.body_type == "binary":
            kwargs["content"] = (await self._fetch_files(spec))[0][1][1]
        elif spec.body_type == "form-data":
            parts = await self._fetch_files(spec)
            # No file: a harmless placeholder still makes httpx send multipart/form-data (as Dify).
            kwargs["files"] = parts or [("__multipart_placeholder__", ("", b"", "application/octet-stream"))]
            kwargs["data"] = spec.form
        elif spec.form is not None:
            kwargs["data"] = spec.form
        client = self._client(spec.ssl_verify)
        # Per-phase timeouts bound each wait; this bounds a response that trickles in forever.
        async with asyncio.timeout(t.connect + t.read + t.write):
            async with client.stream(spec.method.upper(), spec.url, **kwargs) as response:
                return response, await self._read(response, self.limits.max_binary_bytes)

    async def _read(self, response: httpx.Response, limit: int) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > limit:
            raise _TooLarge(size_error(True, limit, int(declared)))
        body = bytearray()
        async for chunk in response.aiter_bytes():
            body.extend(chunk)
            if len(body) > limit:
                raise _TooLarge(size_error(True, limit, len(body)))
        return bytes(body)

    async def _fetch_files(self, spec: RequestSpec) -> list[tuple[str, tuple[str, bytes, str]]]:
        """``(field, (filename, bytes, mime))`` for each file part; fetched through the same guard."""
        parts = []
        for key, file in spec.files:
            mime = str(file.get("mime_type") or "application/octet-stream")
            name = str(file.get("filename") or "file")
            url = str(file.get("url") or file.get("remote_url") or "")
            if url.startswith("data:") and ";base64," in url:
                content = base64.b64decode(url.split(";base64,", 1)[1])
            elif url.startswith(("http://", "https://")):
                async with self._client(True).stream("GET", url, timeout=httpx.Timeout(30.0)) as response:
                    if not response.is_success:
                        raise FileFetchError(f"cannot fetch file {name}: status {response.status_code}")
                    content = await self._read(response, self.limits.max_binary_bytes)
            else:
                raise FileFetchError(f"cannot fetch file {name}: it has no URL")
            parts.append((key, (name, content, mime)))
        return parts
