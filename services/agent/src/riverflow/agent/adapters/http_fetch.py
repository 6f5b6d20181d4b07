"""Outbound HTTP for tools, guarded against SSRF: private, loopback and link-local targets are refused.

Every hop of a redirect chain is checked again. Allowed exceptions are explicit: ``allow_private``
for a whole deployment, or ``allow_hosts`` entries (``host`` or ``host:port``) for named services.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from riverflow.agent.ports import ToolError

__all__ = ["HttpFetcher", "FetchResult", "check_address"]


@dataclass
class FetchResult:
    status: int
    headers: dict[str, str]
    text: str
    url: str
    json: Any = None


def check_address(address: str) -> None:
    """Raise ``ToolError`` when ``address`` is not a public unicast IP."""
    ip = ipaddress.ip_address(address.split("%")[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
        or not ip.is_global
    ):
        raise ToolError(f"refused: {address} is a private or local address")


@dataclass
class HttpFetcher:
    allow_private: bool = False
    allow_hosts: frozenset[str] = field(default_factory=frozenset)
    timeout: float = 10.0
    max_bytes: int = 1_000_000
    max_redirects: int = 5

    async def _guard(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ToolError(f"refused: only http(s) URLs with a host are allowed, got {url!r}")
        host = parts.hostname
        port = parts.port or (443 if parts.scheme == "https" else 80)
        if self.allow_private or host in self.allow_hosts or f"{host}:{port}" in self.allow_hosts:
            return
        try:
            infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except socket.gaierror as exc:
            raise ToolError(f"cannot resolve {host}: {exc}") from exc
        for info in infos:
            check_address(str(info[4][0]))

    async def request(
        self,
        method: str,
        url: str,
        *,
        params: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> FetchResult:
        async with httpx.AsyncClient(timeout=self.timeout, follow_redirects=False, trust_env=False) as client:
            for _ in range(self.max_redirects + 1):
                await self._guard(url)
                try:
                    response = await client.request(
                        method, url, params=params, headers=headers, json=json_body
                    )
                except httpx.HTTPError as exc:
                    raise ToolError(f"request to {url} failed: {type(exc).__name__}: {exc}") from exc
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    params, json_body, method = None, None, "GET" if response.status_code == 303 else method
                    continue
                body = response.content[: self.max_bytes]
                text = body.decode(response.encoding or "utf-8", errors="replace")
                parsed = None
                if "json" in response.headers.get("content-type", ""):
                    try:
                        parsed = response.json()
                    except ValueError:
                        parsed = None
                return FetchResult(
                    response.status_code, dict(response.headers), text, str(response.url), parsed
                )
        raise ToolError(f"too many redirects from {url}")
