"""Liveness and readiness: a tiny HTTP endpoint each service can expose for Kubernetes probes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

__all__ = ["HealthServer"]


class HealthServer:
    """Answers ``GET /healthz`` (alive) and ``GET /readyz`` (ready when ``is_ready()`` is true)."""

    def __init__(self, host: str, port: int, is_ready: Callable[[], bool]) -> None:
        self._host, self._port, self._is_ready = host, port, is_ready
        self._server: asyncio.AbstractServer | None = None

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.sockets[0].getsockname()[1]

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self._host, self._port)

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            request_line = (await asyncio.wait_for(reader.readline(), 5)).decode("latin-1")
            path = request_line.split(" ")[1] if " " in request_line else ""
            ok = path == "/healthz" or (path == "/readyz" and self._is_ready())
            status = "200 OK" if ok else ("503 Service Unavailable" if path == "/readyz" else "404 Not Found")
            body = b"ok\n" if ok else b"not ready\n"
            writer.write(
                f"HTTP/1.1 {status}\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        except (TimeoutError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()
