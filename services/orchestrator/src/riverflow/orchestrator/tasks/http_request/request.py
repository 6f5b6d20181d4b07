"""Build the HTTP request of an http-request node from its data and the engine's rendered inputs.

Follows Dify's ``http_request.Executor``: method check, url scheme, ``key: value`` header lines,
params as ordered pairs, the six body types, api-key authorization (basic, bearer, custom header),
timeouts capped by the server's maxima. Templates were already rendered by the engine (plain
flavour); this module only assembles, and raises Dify's error types on bad configuration.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode, urlparse

__all__ = [
    "HttpRequestNodeError",
    "InvalidHttpMethodError",
    "InvalidURLError",
    "AuthorizationConfigError",
    "RequestBodyError",
    "FileFetchError",
    "Timeouts",
    "RequestSpec",
    "build_request",
    "METHODS",
]

METHODS = frozenset({"get", "head", "post", "put", "delete", "patch", "options"})


class HttpRequestNodeError(ValueError):
    """Base of the node's errors; ``type(exc).__name__`` is reported as ``error_type`` (as Dify)."""


class InvalidHttpMethodError(HttpRequestNodeError):
    pass


class InvalidURLError(HttpRequestNodeError):
    pass


class AuthorizationConfigError(HttpRequestNodeError):
    pass


class RequestBodyError(HttpRequestNodeError):
    pass


class FileFetchError(HttpRequestNodeError):
    pass


@dataclass(frozen=True, slots=True)
class Timeouts:
    """Seconds; a node's own values are capped by these maxima (Dify's HTTP_REQUEST_MAX_*_TIMEOUT)."""

    connect: float = 10.0
    read: float = 60.0
    write: float = 20.0


@dataclass(slots=True)
class RequestSpec:
    """Everything needed to send the request; file parts are fetched by the executor."""

    method: str
    url: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    timeouts: Timeouts
    ssl_verify: bool
    content: str | None = None
    json_body: Any = None
    has_json: bool = False
    form: dict[str, str] | None = None
    #: ``(field name, file dict)`` for form-data file parts, or ``("", file)`` for a binary body.
    files: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    body_type: str = "none"
    auth_header: str | None = None

    def log(self) -> str:
        """The raw request as Dify's ``to_log`` shows it, with the credential masked."""
        parts = urlparse(self.url)
        path = parts.path or "/"
        if self.params:
            path += f"?{urlencode(self.params)}"
        elif parts.query:
            path += f"?{parts.query}"
        raw = f"{self.method.upper()} {path} HTTP/1.1\r\nHost: {parts.netloc}\r\n"
        for key, value in self.headers.items():
            if self.auth_header and key.lower() == self.auth_header.lower():
                value = "*" * len(value)
            raw += f"{key}: {value}\r\n"
        body = ""
        if self.content is not None:
            body = self.content
        elif self.has_json:
            body = json.dumps(self.json_body, ensure_ascii=False)
        elif self.form is not None and self.body_type == "x-www-form-urlencoded":
            body = urlencode(self.form)
        elif self.body_type in ("form-data", "binary"):
            body = "\r\n".join(
                [f"{k}: {v}" for k, v in (self.form or {}).items()]
                + [f"{k or 'file'}: <file {f.get('filename') or ''}>" for k, f in self.files]
            )
        if body:
            raw += f"Content-Length: {len(body)}\r\n"
        return raw + "\r\n" + body


def _headers(text: str) -> dict[str, str]:
    headers: dict[str, str] = {}
    for line in text.splitlines():
        if not line.strip():
            continue
        key, *value = line.split(":", 1)
        headers[key.strip()] = value[0].strip() if value else ""
    return headers


def _capped(value: Any, maximum: float) -> float:
    try:
        number = float(value) if value not in (None, "") else 0.0
    except (TypeError, ValueError):
        number = 0.0
    return min(number, maximum) if number > 0 else maximum


def _timeouts(data: dict[str, Any], maxima: Timeouts) -> Timeouts:
    raw = data.get("timeout") if isinstance(data.get("timeout"), dict) else {}
    return Timeouts(
        connect=_capped(raw.get("connect"), maxima.connect),
        read=_capped(raw.get("read"), maxima.read),
        write=_capped(raw.get("write"), maxima.write),
    )


def _authorize(headers: dict[str, str], auth: dict[str, Any]) -> str | None:
    """Add the api-key header; returns its name (to mask in logs)."""
    if auth.get("type") != "api-key":
        return None
    config = auth.get("config")
    if not isinstance(config, dict):
        raise AuthorizationConfigError("authorization config is required")
    if config.get("api_key") is None:
        raise AuthorizationConfigError("api_key is required")
    header = str(config.get("header") or "Authorization")
    api_key = str(config["api_key"])
    kind = config.get("type")
    if kind == "bearer" and api_key:
        headers[header] = f"Bearer {api_key}"
    elif kind == "basic" and api_key:
        # user:password is encoded; a value without ':' is taken as already encoded (Dify).
        encoded = base64.b64encode(api_key.encode()).decode() if ":" in api_key else api_key
        headers[header] = f"Basic {encoded}"
    elif kind == "custom" and config.get("header") and api_key:
        headers[header] = api_key
    return header


def build_request(
    data: dict[str, Any], inputs: dict[str, Any], maxima: Timeouts, default_ssl_verify: bool = True
) -> RequestSpec:
    """The request of an http-request node (``data`` = its DSL data, ``inputs`` = rendered fields)."""
    method = str(data.get("method") or "get").lower()
    if method not in METHODS:
        raise InvalidHttpMethodError(f"Invalid http method {method}")
    url = str(inputs.get("url") or "")
    if not url:
        raise InvalidURLError("url is required")
    if not url.startswith(("http://", "https://")):
        raise InvalidURLError("url should start with http:// or https://")
    ssl_verify = data.get("ssl_verify")
    spec = RequestSpec(
        method=method,
        url=url,
        params=[(str(k), str(v)) for k, v in inputs.get("params") or []],
        headers=_headers(str(inputs.get("headers") or "")),
        timeouts=_timeouts(data, maxima),
        ssl_verify=default_ssl_verify if ssl_verify is None else bool(ssl_verify),
    )
    body = inputs.get("body") if isinstance(inputs.get("body"), dict) else {"type": "none", "data": []}
    _fill_body(spec, str(body.get("type") or "none"), list(body.get("data") or []))
    spec.auth_header = _authorize(spec.headers, dict(inputs.get("authorization") or {}))
    if spec.body_type == "form-data":
        # httpx must write the multipart Content-Type itself, with its boundary.
        for key in [k for k in spec.headers if k.lower() == "content-type"]:
            del spec.headers[key]
    return spec


def _fill_body(spec: RequestSpec, kind: str, items: list[dict[str, Any]]) -> None:
    spec.body_type = kind
    if kind == "none":
        return
    if kind in ("raw-text", "json", "binary") and len(items) != 1:
        raise RequestBodyError(f"{kind} body type should have exactly one item")
    if kind == "raw-text":
        spec.content = str(items[0].get("value") or "")
    elif kind == "json":
        text = str(items[0].get("value") or "")
        try:
            spec.json_body = json.loads(text, strict=False) if text.strip() else None
        except json.JSONDecodeError as exc:
            raise RequestBodyError(f"Failed to parse JSON: {text}") from exc
        spec.has_json = spec.json_body is not None
    elif kind == "binary":
        file = items[0].get("file")
        if not isinstance(file, dict):
            raise FileFetchError(f"cannot fetch file with selector {items[0].get('file')}")
        spec.files = [("", file)]
    elif kind == "x-www-form-urlencoded":
        spec.form = {str(i.get("key") or ""): str(i.get("value") or "") for i in items}
    elif kind == "form-data":
        spec.form = {
            str(i.get("key") or ""): str(i.get("value") or "") for i in items if i.get("type") != "file"
        }
        for item in items:
            if item.get("type") != "file":
                continue
            files = item.get("file")
            for file in files if isinstance(files, list) else [files]:
                if isinstance(file, dict):
                    spec.files.append((str(item.get("key") or ""), file))
    else:
        raise RequestBodyError(f"unsupported body type {kind}")
