"""Running the mock: ``python -m riverflow.mockllm`` (foreground) or ``MockServer`` (a thread, for tests)."""

from __future__ import annotations

import argparse
import socket
import threading
import time
from collections.abc import Sequence

import uvicorn
from riverflow.mockllm.app import MockConfig, create_app
from riverflow.mockllm.options import add_arguments
from riverflow.mockllm.script import Script

__all__ = ["MockServer", "add_arguments", "config_from_args", "serve", "main"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MockServer:
    """The mock on a free port of 127.0.0.1, served by uvicorn in a daemon thread.

    Example:
        >>> with MockServer(MockConfig(token_latency_ms=1)) as mock:
        ...     litellm.completion(model="openai/riverflow-mock", api_base=mock.base_url, ...)
    """

    def __init__(self, config: MockConfig | None = None, port: int | None = None) -> None:
        self.config = config or MockConfig()
        self.port = port or _free_port()
        self.app = create_app(self.config)
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning", access_log=False)
        )
        self._thread = threading.Thread(target=self._server.run, name="mockllm", daemon=True)

    @property
    def base_url(self) -> str:
        """OpenAI-style base URL (``.../v1``), as litellm's ``api_base`` wants it."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def ledger(self):  # noqa: ANN201 - the app's Ledger
        return self.app.state.ledger

    def start(self, timeout: float = 10.0) -> MockServer:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("mock model server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(10)

    def __enter__(self) -> MockServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def config_from_args(args: argparse.Namespace) -> MockConfig:
    return MockConfig(
        models=[m.strip() for m in args.models.split(",") if m.strip()] or ["riverflow-mock"],
        script=Script.load(args.script),
        token_latency_ms=args.token_latency_ms,
        first_token_delay_ms=args.first_token_delay_ms,
        fail_first=args.fail_first,
        fail_status=args.fail_status,
        embedding_dimensions=args.embedding_dimensions,
    )


def serve(args: argparse.Namespace) -> int:
    """Serve in the foreground until SIGINT/SIGTERM (uvicorn handles both)."""
    config = config_from_args(args)
    port = args.port or _free_port()
    print(f"riverflow mockllm: OpenAI-compatible base URL http://{args.host}:{port}/v1", flush=True)
    uvicorn.run(create_app(config), host=args.host, port=port, log_level="warning", access_log=False)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="riverflow-mockllm", description="Deterministic OpenAI-compatible mock"
    )
    add_arguments(parser)
    return serve(parser.parse_args(argv))
