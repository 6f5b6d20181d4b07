"""``riverflow up``: the whole platform on embedded defaults, one process per service.

Starts a nats-server with JetStream from the wheel (store under ``.riverflow/nats``, on a port of
its own) unless ``NATS_URL`` names an external one, then the four services as
``python -m riverflow.<service>``. A service that dies is restarted (runs resume from their logs);
Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from riverflow.cli.up_mockllm import agent_environment, start_mock_model
from riverflow.runtime.nats_server import NatsServerProcess, free_port

__all__ = ["SERVICES", "run_up"]

SERVICES = ("orchestrator", "agent", "rag", "gateway")
_DEFAULT_NATS_PORT = 4333
_MAX_RESTARTS_PER_MINUTE = 5
_STARTING_NOTICE_SECONDS = 20


@dataclass
class _Child:
    name: str
    proc: subprocess.Popen[bytes]
    restarts: list[float] = field(default_factory=list)


def _port_free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _wait_for_port(port: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.3):
                return True
        except OSError:
            time.sleep(0.2)
    return False


def _spawn(name: str, env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", f"riverflow.{name}"], env=env)


def run_up(data_dir: Path, gateway_port: int = 5001) -> int:
    """Run the platform in the foreground until SIGINT/SIGTERM; returns the exit code."""
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ)
    nats: NatsServerProcess | None = None
    if not env.get("NATS_URL"):  # unset or empty: run the embedded server
        port = _DEFAULT_NATS_PORT if _port_free(_DEFAULT_NATS_PORT) else free_port()
        nats = NatsServerProcess(data_dir / "nats", port=port, log_file=data_dir / "nats.log").start()
        env["NATS_URL"] = nats.url
    env.setdefault("GATEWAY_DATA_DIR", str(data_dir))
    env.setdefault("GATEWAY_PORT", str(gateway_port))
    env["PYTHONUNBUFFERED"] = "1"
    # Knowledge bases persist in the rag service, reached over gRPC.
    env.setdefault("GATEWAY_KNOWLEDGE", "grpc")
    env.setdefault("GATEWAY_RAG_TARGET", "127.0.0.1:" + env.get("RAG_GRPC_PORT", "50051"))
    # Apps used as tools by agents are run through this gateway's Service API.
    env.setdefault("AGENT_GATEWAY_URL", f"http://127.0.0.1:{env['GATEWAY_PORT']}")
    # No model provider configured: the shipped mock model answers, and says so in run metadata.
    mock = start_mock_model(env, data_dir)
    env.update(agent_environment(env, data_dir, mock))

    stopping = False

    def _stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, _stop)
    signal.signal(signal.SIGTERM, _stop)

    return_code = 0
    children = [_Child(name, _spawn(name, env)) for name in SERVICES]
    try:
        started = time.monotonic()
        announced = False
        next_notice = started + _STARTING_NOTICE_SECONDS
        while not stopping:
            # A first start compiles every module; on a busy machine that can take minutes,
            # so keep waiting (and say so) rather than give up on a gateway that is still coming.
            if not announced:
                if _wait_for_port(int(env["GATEWAY_PORT"]), timeout=0.5):
                    _banner(env, data_dir, mock.base_url if mock else None)
                    announced = True
                elif time.monotonic() >= next_notice:
                    waited = int(time.monotonic() - started)
                    print(f"riverflow: still starting ({waited} s)...", file=sys.stderr)
                    next_notice += _STARTING_NOTICE_SECONDS
            else:
                time.sleep(0.5)
            for child in children:
                if stopping or child.proc.poll() is None:
                    continue
                now = time.monotonic()
                child.restarts = [t for t in child.restarts if now - t < 60] + [now]
                if len(child.restarts) > _MAX_RESTARTS_PER_MINUTE:
                    print(f"riverflow: {child.name} keeps failing; stopping", file=sys.stderr)
                    stopping = True
                    return_code = 1
                    break
                print(
                    f"riverflow: {child.name} exited ({child.proc.returncode}); restarting", file=sys.stderr
                )
                child.proc = _spawn(child.name, env)
    finally:
        for child in children:
            if child.proc.poll() is None:
                child.proc.send_signal(signal.SIGTERM)
        for child in children:
            try:
                child.proc.wait(15)
            except subprocess.TimeoutExpired:
                child.proc.kill()
        if mock is not None:
            mock.stop()
        if nats is not None:
            nats.stop()
    return return_code


def _banner(env: dict[str, str], data_dir: Path, mock_url: str | None) -> None:
    base = f"http://127.0.0.1:{env['GATEWAY_PORT']}"
    model = f"mock model at {mock_url} (no provider configured)" if mock_url else "as configured"
    print(
        "\nRiverflow is up.\n"
        f"  gateway      {base}  (Dify Service API under {base}/v1)\n"
        f"  studio       {base}/studio/\n"
        f"  NATS         {env['NATS_URL']}\n"
        f"  models       {model}\n"
        f"  console key  {data_dir / 'console-token'}\n"
        "  import an app: riverflow apps import path/to/app.yml\n"
        "  Ctrl-C stops everything.\n",
        flush=True,
    )


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("up", help="start the whole platform on embedded defaults")
    default_dir = Path(os.environ.get("GATEWAY_DATA_DIR", ".riverflow"))
    parser.add_argument("--data-dir", type=Path, default=default_dir)
    parser.add_argument("--port", type=int, default=int(os.environ.get("GATEWAY_PORT", "5001")))
    parser.set_defaults(func=lambda args: run_up(args.data_dir.resolve(), args.port))
