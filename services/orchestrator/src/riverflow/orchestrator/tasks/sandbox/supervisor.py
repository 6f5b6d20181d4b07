"""Watch one jailed process: feed stdin, drain stdout/stderr under a cap, enforce the deadline."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from dataclasses import dataclass

__all__ = ["JailResult", "Supervisor"]

#: What util-linux's ``unshare --fork`` prints when its child died of SIGKILL (it cannot re-raise it).
_UNSHARE_KILLED = b"unshare: sigprocmask unblock failed"


@dataclass(frozen=True, slots=True)
class JailResult:
    returncode: int | None
    stdout: bytes
    stderr: bytes
    timed_out: bool
    output_exceeded: bool
    #: Killed by SIGKILL that the jail did not send (the RLIMIT_CPU hard limit).
    killed: bool
    elapsed: float
    isolated: bool


class Supervisor:
    """Feeds stdin, drains both pipes under their cap, and enforces the deadline."""

    def __init__(self, proc: asyncio.subprocess.Process, timeout: float, max_output_bytes: int) -> None:
        self.proc, self.timeout, self.max_output_bytes = proc, timeout, max_output_bytes
        self.out, self.err = bytearray(), bytearray()
        self.exceeded = False
        self.kill_sent = False

    def kill(self) -> None:
        self.kill_sent = True
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)

    async def _feed(self, data: bytes) -> None:
        assert self.proc.stdin is not None
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.proc.stdin.write(data)
            await self.proc.stdin.drain()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            self.proc.stdin.close()

    async def _drain(self, reader: asyncio.StreamReader | None, sink: bytearray) -> None:
        assert reader is not None
        # Read to EOF even past the cap (discarding): a paused pipe would never report its close.
        while chunk := await reader.read(65536):
            if self.exceeded:
                continue
            if len(sink) + len(chunk) > self.max_output_bytes:
                self.exceeded = True
                self.kill()
                continue
            sink.extend(chunk)

    async def watch(self, stdin: bytes, started: float, isolated: bool) -> JailResult:
        tasks = [
            asyncio.ensure_future(self._feed(stdin)),
            asyncio.ensure_future(self._drain(self.proc.stdout, self.out)),
            asyncio.ensure_future(self._drain(self.proc.stderr, self.err)),
        ]
        timed_out = False
        # Process.wait() also waits for the pipes to close (so the output is complete).
        try:
            await asyncio.wait_for(asyncio.shield(self.proc.wait()), self.timeout)
        except TimeoutError:
            timed_out = True
            self.kill()
        try:
            await asyncio.wait_for(self.proc.wait(), 2.0)
        except TimeoutError:
            # Only without a PID namespace: a stray that left the process group holds the pipes.
            transport = getattr(self.proc, "_transport", None)
            if transport is not None:
                transport.close()
        _, pending = await asyncio.wait(tasks, timeout=1.0)
        for task in pending:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        code = self.proc.returncode
        killed = not self.kill_sent and (
            code == -signal.SIGKILL or (code == 1 and _UNSHARE_KILLED in self.err)
        )
        return JailResult(
            returncode=code,
            stdout=bytes(self.out),
            stderr=bytes(self.err).replace(_UNSHARE_KILLED + b": Invalid argument\n", b""),
            timed_out=timed_out,
            output_exceeded=self.exceeded,
            killed=killed,
            elapsed=time.monotonic() - started,
            isolated=isolated,
        )
