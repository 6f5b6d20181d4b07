"""SSRF protection for the HTTP request node: only public addresses, unless an allow-list says so.

The check sits in the connection layer (an httpcore network backend): every TCP connection — the
first request and every redirect — resolves its host, refuses it when *any* address is not public
(private, loopback, link-local, unspecified, multicast, reserved, shared, documentation...), and
connects to the very address it checked, so DNS cannot answer differently in between (rebinding).
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field

import httpcore

__all__ = ["AddressPolicy", "AddressNotAllowed", "GuardedBackend"]

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class AddressNotAllowed(Exception):
    """The target resolves to an address the policy refuses."""


@dataclass(frozen=True)
class AddressPolicy:
    """``allowed_hosts``: host names (``*.example`` wildcards), IP addresses or CIDR networks that
    may be reached although not public; ``allow_private`` lifts the restriction entirely."""

    allowed_hosts: tuple[str, ...] = ()
    allow_private: bool = False
    _names: frozenset[str] = field(init=False, repr=False)
    _networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        names, networks = set(), []
        for entry in (e.strip().lower() for e in self.allowed_hosts):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry.strip("[]"), strict=False))
            except ValueError:
                names.add(entry.rstrip("."))
        object.__setattr__(self, "_names", frozenset(names))
        object.__setattr__(self, "_networks", tuple(networks))

    def host_allowed(self, host: str) -> bool:
        host = host.lower().rstrip(".")
        return host in self._names or any(n.startswith("*.") and host.endswith(n[1:]) for n in self._names)

    def address_allowed(self, address: IPAddress) -> bool:
        if self.allow_private or any(address in net for net in self._networks):
            return True
        return _is_public(address)

    def check(self, host: str, addresses: Iterable[IPAddress]) -> None:
        """Raise ``AddressNotAllowed`` unless every address of ``host`` may be reached."""
        if self.allow_private or self.host_allowed(host):
            return
        for address in addresses:
            if not self.address_allowed(address):
                raise AddressNotAllowed(
                    f"Access to {host} ({address}) is denied: private, loopback, link-local and other "
                    "non-public addresses are not allowed (see ORCHESTRATOR_HTTP_ALLOWED_HOSTS)"
                )


def _is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in _NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return _is_public(embedded)
    return address.is_global and not address.is_multicast


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """Resolves, checks and connects to the checked address; everything else is delegated."""

    def __init__(self, policy: AddressPolicy, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self.policy = policy
        self.inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, host, port, timeout=None, local_address=None, socket_options=None):  # type: ignore[no-untyped-def]
        addresses = await _resolve(host, port, timeout)
        self.policy.check(host, addresses)
        error: Exception | None = None
        for address in addresses:
            try:
                return await self.inner.connect_tcp(
                    str(address),
                    port,
                    timeout=timeout,
                    local_address=local_address,
                    socket_options=socket_options,
                )
            except httpcore.ConnectError as exc:
                error = exc
        raise error or httpcore.ConnectError(f"no address for {host}")

    async def connect_unix_socket(self, path, timeout=None, socket_options=None):  # type: ignore[no-untyped-def]
        raise AddressNotAllowed("unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


async def _resolve(host: str, port: int, timeout: float | None) -> list[IPAddress]:
    try:
        return [ipaddress.ip_address(host.strip("[]"))]
    except ValueError:
        pass
    loop = asyncio.get_running_loop()
    try:
        infos = await asyncio.wait_for(
            loop.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP), timeout
        )
    except (OSError, TimeoutError) as exc:
        raise httpcore.ConnectError(f"cannot resolve {host}: {exc}") from exc
    addresses: list[IPAddress] = []
    for *_, sockaddr in infos:
        address = ipaddress.ip_address(str(sockaddr[0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise httpcore.ConnectError(f"cannot resolve {host}")
    return addresses
