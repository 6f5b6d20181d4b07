"""The mock model for ``riverflow up``: a child process standing in when no model provider is configured.

The agent falls back to it (``AGENT_DEFAULT_MODEL_BASE_URL``) for any workspace without provider
credentials and marks such results ``mock_model: true``, so a fresh ``make up`` still gives a working chat.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["MockModelProcess", "start_mock_model", "agent_environment"]

_PREFERRED_PORT = 8808


@dataclass
class MockModelProcess:
    proc: subprocess.Popen[bytes]
    base_url: str

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _port() -> int:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", _PREFERRED_PORT))
            return _PREFERRED_PORT
        except OSError:
            sock.bind(("127.0.0.1", 0))
            return int(sock.getsockname()[1])


def start_mock_model(
    env: Mapping[str, str], data_dir: Path, timeout: float = 30.0
) -> MockModelProcess | None:
    """Start ``python -m riverflow.mockllm`` unless a default model is configured (or
    ``RIVERFLOW_MOCK_MODEL=0``); wait until it answers; its output goes to ``<data_dir>/mockllm.log``."""
    if env.get("AGENT_DEFAULT_MODEL_BASE_URL") or env.get("RIVERFLOW_MOCK_MODEL", "1") == "0":
        return None
    port = _port()
    data_dir.mkdir(parents=True, exist_ok=True)
    log = open(data_dir / "mockllm.log", "ab")  # noqa: SIM115 - owned by the child for its lifetime
    proc = subprocess.Popen(
        [sys.executable, "-m", "riverflow.mockllm", "--port", str(port)],
        env=dict(env),
        stdout=log,
        stderr=log,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the mock model exited ({proc.returncode}); see {data_dir / 'mockllm.log'}")
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=1) as response:
                if response.status == 200:
                    return MockModelProcess(proc, f"{base}/v1")
        except OSError:
            time.sleep(0.1)
    proc.kill()
    raise TimeoutError("the mock model did not start")


def agent_environment(
    env: Mapping[str, str], data_dir: Path, mock: MockModelProcess | None
) -> dict[str, str]:
    """Variables to add to the agent's environment under ``up``: the default model, and where the
    gateway's generated secret key lives (so the agent opens the credentials the console stored)."""
    extra: dict[str, str] = {}
    if mock is not None:
        extra["AGENT_DEFAULT_MODEL_BASE_URL"] = mock.base_url
    if "RIVERFLOW_SECRET_KEY" not in env and "AGENT_SECRET_KEY_FILE" not in env:
        data = Path(env.get("GATEWAY_DATA_DIR") or data_dir)
        extra["AGENT_SECRET_KEY_FILE"] = str(data / "secret-key")
    return extra

