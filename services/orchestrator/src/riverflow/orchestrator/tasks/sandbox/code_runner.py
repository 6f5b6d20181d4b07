"""Run a code node's program (python3 or javascript) in the jail and explain how it ended."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from riverflow.orchestrator.tasks.sandbox.jail import Jail, JailResult, SandboxUnavailable

__all__ = ["LANGUAGES", "CodeRun", "CodeSandbox", "default_python", "default_node"]

LANGUAGES = ("python3", "javascript")

_HERE = Path(__file__).parent
_PYTHON_RUNNER = (_HERE / "python_runner.py").read_text()
_NODE_RUNNER = (_HERE / "node_runner.js").read_text()
#: How much of the program's stderr an error message quotes.
_QUOTED_LOG = 4000


def default_python() -> str:
    """A system interpreter the sandbox uid can read (the orchestrator's may live under /root)."""
    for candidate in ("/usr/local/bin/python3", "/usr/bin/python3"):
        if os.access(candidate, os.X_OK):
            return candidate
    return sys.executable


def default_node() -> str:
    return shutil.which("node") or "/usr/bin/node"


@dataclass(frozen=True, slots=True)
class CodeRun:
    """How a program ended: ``result`` (``main``'s return value) or ``error`` with its ``kind``."""

    result: Any = None
    error: str | None = None
    #: timeout | cpu | memory | output | file-size | exception | definition | crash | unavailable
    kind: str | None = None
    logs: str = ""
    elapsed: float = 0.0
    isolated: bool = False

    @property
    def ok(self) -> bool:
        return self.error is None


class CodeSandbox:
    """Runs user code; at most ``max_concurrency`` programs at once (each may use the memory limit)."""

    def __init__(
        self, jail: Jail, python: str | None = None, node: str | None = None, max_concurrency: int = 4
    ) -> None:
        self.jail = jail
        self.python = python or default_python()
        self.node = node or default_node()
        self._slots = asyncio.Semaphore(max(1, max_concurrency))

    def _program(self, language: str, workdir: str) -> tuple[list[str], int | None, int | None]:
        """``(argv, address_space_mb, data_mb)`` for ``language``."""
        memory = self.jail.limits.memory_mb
        if language == "python3":
            return [self.python, "-I", "-S", "-B", "-c", _PYTHON_RUNNER], memory, None
        # V8 reserves far more address space than it uses: bound its heap and data instead.
        argv = [
            self.node,
            "--experimental-permission",
            f"--allow-fs-read={workdir}",
            f"--allow-fs-write={workdir}",
            "--no-warnings",
            f"--max-old-space-size={memory}",
            "-e",
            _NODE_RUNNER,
        ]
        return argv, memory * 2 + 2048, memory + 256

    async def execute(self, language: str, code: str, inputs: dict[str, Any]) -> CodeRun:
        if language not in LANGUAGES:
            return CodeRun(error=f"Unsupported code language: {language}", kind="definition")
        payload = json.dumps({"code": code, "inputs": inputs}).encode()
        async with self._slots, self.jail.workdir() as workdir:
            argv, address_space, data = self._program(language, workdir)
            try:
                ran = await self.jail.run(
                    argv, payload, workdir, address_space_mb=address_space, data_mb=data
                )
            except SandboxUnavailable as exc:
                return CodeRun(error=f"error: {exc}", kind="unavailable")
        return self._explain(ran)

    def _explain(self, ran: JailResult) -> CodeRun:
        limits = self.jail.limits
        logs = ran.stderr.decode("utf-8", errors="replace")
        base = {"logs": logs, "elapsed": ran.elapsed, "isolated": ran.isolated}
        if ran.output_exceeded:
            return CodeRun(
                error=f"error: output limit exceeded: more than {limits.max_output_bytes} bytes written",
                kind="output",
                **base,
            )
        if ran.timed_out:
            return CodeRun(
                error=f"error: timeout: the code ran longer than {limits.timeout_seconds:g} s and was killed",
                kind="timeout",
                **base,
            )
        reply = _parse(ran.stdout)
        if reply is not None and "result" in reply:
            return CodeRun(result=reply["result"], **base)
        if reply is not None and "error" in reply:
            kind = str(reply.get("kind") or "exception")
            error = str(reply["error"])
            if kind == "memory":
                error = f"error: memory limit of {limits.memory_mb} MB exceeded ({error})"
            return CodeRun(error=error, kind=kind, **base)
        tail = logs[-_QUOTED_LOG:].strip()
        if ran.killed:
            return CodeRun(
                error=f"error: CPU time limit of {limits.cpu_seconds} s exceeded", kind="cpu", **base
            )
        if "heap out of memory" in logs or "Allocation failed" in logs or "MemoryError" in logs:
            return CodeRun(
                error=f"error: memory limit of {limits.memory_mb} MB exceeded", kind="memory", **base
            )
        if ran.returncode == -signal.SIGXFSZ:
            return CodeRun(
                error=f"error: file size limit of {limits.max_file_mb} MB exceeded", kind="file-size", **base
            )
        message = f"error: exit status {_status(ran.returncode)}: the program ended without a result"
        return CodeRun(error=f"{message}\n{tail}" if tail else message, kind="crash", **base)


def _status(code: int | None) -> str:
    if code is None or code >= 0:
        return str(code)
    try:
        return f"signal {signal.Signals(-code).name}"
    except ValueError:
        return f"signal {-code}"


def _parse(stdout: bytes) -> dict[str, Any] | None:
    try:
        reply = json.loads(stdout)
    except ValueError:
        return None
    return reply if isinstance(reply, dict) else None
