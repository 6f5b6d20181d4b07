"""The shipped mock model in its own process, as a provider would be (not sharing a benchmark's GIL)."""

from __future__ import annotations

import contextlib
import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
from riverflow.runtime.nats_server import free_port

__all__ = ["mock_model"]


@contextlib.contextmanager
def mock_model(token_latency_ms: float) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """Yields the mock's OpenAI base URL (``.../v1``) and its process."""
    port = free_port()
    command = [sys.executable, "-m", "riverflow.mockllm", "--port", str(port)]
    proc = subprocess.Popen(
        [*command, "--token-latency-ms", str(token_latency_ms)], stdout=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 600  # a cold start on a busy machine compiles a lot
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.HTTPError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("the mock model did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}/v1", proc
    finally:
        proc.terminate()
        proc.wait(30)
