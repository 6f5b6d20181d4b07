"""A real gateway process (``python -m riverflow.gateway``, in-memory run bus, SQLite) seeded with
one app per mode and a dataset key, for driving real Dify client packages against it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from riverflow.runtime.nats_server import free_port

__all__ = ["LiveGateway", "gateway_process", "CONSOLE_TOKEN"]

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO.parent / "shared" / "conformance" / "dify-fixtures"
APPS = REPO / "services" / "gateway" / "tests" / "apps"
CONSOLE_TOKEN = "clients-console-token-0123456789"


@dataclass
class LiveGateway:
    base_url: str
    keys: dict[str, str] = field(default_factory=dict)
    app_ids: dict[str, str] = field(default_factory=dict)
    dataset_key: str = ""
    log_path: Path | None = None

    @property
    def v1(self) -> str:
        return f"{self.base_url}/v1"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path and self.log_path.exists() else ""


def _seed(gateway: LiveGateway) -> None:
    console = {"Authorization": f"Bearer {CONSOLE_TOKEN}"}
    for name, path in {
        "chatflow": FIXTURES / "answer_end_with_text.yml",
        "greeting": APPS / "greeting_chatflow.yml",
        "workflow": FIXTURES / "simple_passthrough_workflow.yml",
        "completion": APPS / "writer_completion.yml",
        "chat": APPS / "assistant_chat.yml",
    }.items():
        response = httpx.post(
            f"{gateway.base_url}/console/api/apps/import", content=path.read_bytes(), headers=console
        )
        assert response.status_code == 201, response.text
        gateway.keys[name], gateway.app_ids[name] = response.json()["api_key"], response.json()["id"]
    response = httpx.post(f"{gateway.base_url}/console/api/datasets/api-keys", headers=console)
    assert response.status_code == 201, response.text
    gateway.dataset_key = response.json()["token"]


@contextlib.contextmanager
def gateway_process(work: Path, **extra_env: str) -> Iterator[LiveGateway]:
    """``python -m riverflow.gateway`` on a free port, seeded, stopped on exit."""
    port = free_port()
    env = {
        **os.environ,
        "GATEWAY_PORT": str(port),
        "GATEWAY_DATA_DIR": str(work),
        "GATEWAY_BUS": "memory",
        "GATEWAY_CONSOLE_TOKEN": CONSOLE_TOKEN,
        "GATEWAY_PING_INTERVAL_SECONDS": "1",
        "RIVERFLOW_DATABASE_URL": f"sqlite+aiosqlite:///{work / 'gateway.db'}",
        "PYTHONUNBUFFERED": "1",
        **extra_env,
    }
    log_path = work / "gateway.log"
    log = open(log_path, "ab")  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen([sys.executable, "-m", "riverflow.gateway"], env=env, stdout=log, stderr=log)
    gateway = LiveGateway(f"http://127.0.0.1:{port}", log_path=log_path)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                if httpx.get(f"{gateway.base_url}/health", timeout=0.5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gateway did not start:\n{gateway.log()}")
            time.sleep(0.1)
        _seed(gateway)
        yield gateway
    finally:
        proc.terminate()
        try:
            proc.wait(15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
