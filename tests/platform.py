"""Real service processes for cross-service tests: each started as ``python -m riverflow.<name>``."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import httpx
from riverflow.mockllm import MockConfig, MockControl, MockServer
from riverflow.runtime.nats_server import NatsServerProcess, free_port

__all__ = ["ServiceProcess", "Platform", "running_platform", "running_model_platform"]


class ServiceProcess:
    """One service child process; its output goes to ``<log_dir>/<name>.log``."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path, label: str | None = None) -> None:
        """``label`` names a replica (``orchestrator-2``): its log file and its ``Platform.services`` key."""
        self.name, self.env, self.log_path = name, env, log_dir / f"{label or name}.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> ServiceProcess:
        log = open(self.log_path, "ab")  # noqa: SIM115 - owned by the child for its lifetime
        self.proc = subprocess.Popen(
            [sys.executable, "-m", f"riverflow.{self.name}"], env=self.env, stdout=log, stderr=log
        )
        return self

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no acks, exactly like a crashed pod."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""


class Platform:
    """The gateway and the orchestrator (plus rag and agent on demand) against one nats-server."""

    CONSOLE_TOKEN = "test-console-token-0123456789"

    def __init__(self, nats_url: str, work_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.work_dir = work_dir
        self.gateway_port = free_port()
        self.env = {
            **os.environ,
            "NATS_URL": nats_url,
            "GATEWAY_PORT": str(self.gateway_port),
            "GATEWAY_DATA_DIR": str(work_dir),
            "GATEWAY_CONSOLE_TOKEN": self.CONSOLE_TOKEN,
            "RIVERFLOW_DATABASE_URL": f"sqlite+aiosqlite:///{work_dir / 'riverflow.db'}",
            "PYTHONUNBUFFERED": "1",
            **(extra_env or {}),
        }
        self.services: dict[str, ServiceProcess] = {}

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.gateway_port}"

    def start(self, name: str, label: str | None = None) -> ServiceProcess:
        """Start service ``name``; a ``label`` starts one more replica of it under that key."""
        service = ServiceProcess(name, self.env, self.work_dir, label).start()
        self.services[label or name] = service
        return service

    def wait_for_gateway(self, timeout: float = 30.0) -> None:
        self.wait_for_port("gateway", self.gateway_port, timeout)

    def wait_for_port(self, name: str, port: int, timeout: float = 30.0) -> None:
        """Until service ``name`` accepts connections on ``port`` (it may still be importing)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.3):
                    return
            except OSError:
                service = self.services[name]
                if service.proc is not None and service.proc.poll() is not None:
                    raise RuntimeError(f"{name} exited:\n{service.log()}") from None
                time.sleep(0.1)
        raise TimeoutError(f"{name} not listening on {port}:\n{self.services[name].log()}")

    def import_app(self, dsl_path: Path) -> dict:
        response = httpx.post(
            f"{self.base_url}/console/api/apps/import",
            content=dsl_path.read_bytes(),
            headers={
                "Authorization": f"Bearer {self.CONSOLE_TOKEN}",
                "Content-Type": "application/x-yaml",
            },
            timeout=30,
        )
        assert response.status_code == 201, response.text
        return response.json()

    def stop_all(self) -> None:
        for service in self.services.values():
            service.stop()


@contextlib.contextmanager
def running_platform(
    work: Path,
    services: Sequence[str] = ("orchestrator",),
    extra_env: dict[str, str] | None = None,
    gateway_timeout: float = 600.0,
) -> Iterator[Platform]:
    """A nats-server of its own under ``work``, the gateway, then ``services``; all stopped after.

    The gateway starts alone first: on a loaded machine several cold starts at once are slow.
    """
    nats = NatsServerProcess(work / "nats", log_file=work / "nats.log").start()
    running = Platform(nats.url, work, extra_env=extra_env)
    try:
        running.start("gateway")
        running.wait_for_gateway(timeout=gateway_timeout)
        for name in services:
            running.start(name)
        yield running
    finally:
        running.stop_all()
        nats.stop()


@contextlib.contextmanager
def running_model_platform(work: Path) -> Iterator[Platform]:
    """``running_platform`` with the orchestrator and the agent, whose model is the shipped mock."""
    with MockServer(MockConfig()) as server:
        env = {
            "AGENT_DEFAULT_MODEL_BASE_URL": MockControl(server.base_url).base_url,
            "AGENT_HEALTH_PORT": "0",
        }
        with running_platform(work, ("orchestrator", "agent"), env) as running:
            yield running
