"""The code sandbox's process jail: namespaces, an unprivileged uid, rlimits, a deadline, capped output.

A program runs as ``unshare --user --net --pid --fork -- python3 launcher.py <spec> <interpreter>``:

- a new network namespace with no interface up, so no address (not even 127.0.0.1) is reachable;
- a new PID namespace whose init is the interpreter: when it dies the kernel kills every process it
  left behind, so a timeout kill cannot leave strays;
- when the orchestrator runs as root, the child runs as an unprivileged uid first (RLIMIT_NPROC is
  not enforced for root, and root could read every file);
- the launcher sets rlimits (CPU time, address space / data, file size, processes against fork
  bombs, open files, no cores), ``no_new_privs``, and a Landlock ruleset: read-only system
  directories, the private work directory read-write, nothing else (no /etc/passwd, no repository
  files) and no TCP connect or bind;
- a private temporary directory as cwd, and a wall-clock deadline that kills the process group;
- stdout and stderr are read concurrently and capped; past the cap the program is killed.

When user namespaces are unavailable the jail says so loudly: by default it refuses to run code
(``require_namespaces``); otherwise it runs without network isolation and logs a warning each time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from riverflow.orchestrator.tasks.sandbox.supervisor import JailResult, Supervisor

__all__ = ["SandboxLimits", "JailConfig", "JailResult", "Isolation", "SandboxUnavailable", "Jail"]

log = logging.getLogger(__name__)

_MB = 1024 * 1024


@dataclass(frozen=True, slots=True)
class SandboxLimits:
    """Resource limits of one program. Defaults follow Dify's sandbox (15 s worker timeout)."""

    timeout_seconds: float = 15.0
    cpu_seconds: int = 15
    memory_mb: int = 512
    max_processes: int = 32
    max_open_files: int = 64
    max_file_mb: int = 16
    #: Per stream (result on stdout, prints on stderr). Dify caps a string output at 400 000
    #: characters; 8 MiB holds one even fully JSON-escaped.
    max_output_bytes: int = 8 * _MB


#: System paths programs may read (and execute): interpreters, libraries, zoneinfo.
SYSTEM_READABLE = ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin")
#: Single files programs may read (the loader cache, the local time zone, OpenSSL's config for
#: Node) and device files they may write.
SYSTEM_FILES: tuple[tuple[str, bool], ...] = (
    ("/etc/ld.so.cache", False),
    ("/etc/localtime", False),
    ("/etc/ssl/openssl.cnf", False),
    ("/dev/urandom", False),
    ("/dev/random", False),
    ("/dev/zero", False),
    ("/dev/null", True),
)


@dataclass(frozen=True, slots=True)
class JailConfig:
    limits: SandboxLimits = SandboxLimits()
    #: The interpreter that runs the launcher (a system Python 3 the sandbox uid can read).
    launcher_python: str = "/usr/bin/python3"
    #: More read-only paths (an interpreter installed outside /usr).
    readable: tuple[str, ...] = ()
    #: The uid/gid programs run as when the orchestrator is root (65534 = nobody). Ignored otherwise.
    uid: int | None = 65534
    gid: int | None = 65534
    #: Refuse to run code when namespaces cannot be created (no network isolation otherwise).
    require_namespaces: bool = True
    #: Parent of the per-run temporary directories (default: the system temp dir).
    work_root: str | None = None


@dataclass(frozen=True, slots=True)
class Isolation:
    """What this host allows: the ``unshare`` prefix that worked (or why none did), the Landlock ABI."""

    prefix: tuple[str, ...]
    problem: str | None
    landlock_abi: int = 0

    @property
    def available(self) -> bool:
        return self.problem is None


class SandboxUnavailable(Exception):
    """The jail cannot run programs with the isolation it requires."""


_LAUNCHER = (Path(__file__).with_name("launcher.py")).read_text()


class Jail:
    """Runs untrusted programs. One instance per process; ``run`` may be called concurrently."""

    def __init__(self, config: JailConfig = JailConfig()) -> None:
        self.config = config
        self._isolation: Isolation | None = None
        self._probe_lock = asyncio.Lock()

    @property
    def limits(self) -> SandboxLimits:
        return self.config.limits

    def _drops_privileges(self) -> bool:
        return os.geteuid() == 0 and self.config.uid is not None and self.config.uid != 0

    def _identity(self) -> dict[str, object]:
        if not self._drops_privileges():
            return {}
        gid = self.config.gid if self.config.gid is not None else self.config.uid
        return {"user": self.config.uid, "group": gid, "extra_groups": []}

    def _launcher(self, spec: str) -> list[str]:
        return [self.config.launcher_python, "-I", "-S", "-B", "-c", _LAUNCHER, spec]

    async def isolation(self) -> Isolation:
        """Probe once what this host allows; logged loudly when a layer is missing."""
        async with self._probe_lock:
            if self._isolation is None:
                self._isolation = found = await self._probe()
                if found.available:
                    log.info("code sandbox: namespaces %s", " ".join(found.prefix))
                else:
                    log.error(
                        "code sandbox: NO network/PID namespaces (%s); code nodes %s",
                        found.problem,
                        "are refused" if self.config.require_namespaces else "run WITHOUT network isolation",
                    )
                if found.landlock_abi:
                    log.info("code sandbox: Landlock ABI %d confines files and TCP", found.landlock_abi)
                else:
                    log.warning(
                        "code sandbox: Landlock unavailable; files are guarded only by the language "
                        "runners (Python audit hook, Node permission model)"
                    )
            return self._isolation

    async def _probe(self) -> Isolation:
        unshare = shutil.which("unshare")
        problem = "the unshare command is not installed (util-linux)"
        # --map-current-user keeps the child unprivileged inside the namespace (util-linux >= 2.38).
        for mapping in ("--map-current-user", "--map-root-user") if unshare else ():
            prefix = (unshare, "--user", mapping, "--net", "--pid", "--fork", "--kill-child", "--")
            code, out, err = await self._run_probe([*prefix, *self._launcher("probe")])
            if code == 0:
                return Isolation(prefix, None, _int(out))  # type: ignore[arg-type]
            problem = err or f"unshare exited with {code}"
        code, out, err = await self._run_probe(self._launcher("probe"))
        if code != 0:
            problem += f"; the launcher failed too: {err}"
        return Isolation((), problem, _int(out) if code == 0 else 0)

    async def _run_probe(self, argv: list[str]) -> tuple[int | None, str, str]:
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.PIPE,
                **self._identity(),  # type: ignore[arg-type]
            )
        except OSError as exc:
            return None, "", str(exc)
        out, err = await proc.communicate()
        return proc.returncode, out.decode(errors="replace").strip(), err.decode(errors="replace").strip()

    @contextlib.asynccontextmanager
    async def workdir(self) -> AsyncIterator[str]:
        """A fresh private directory the program may use, removed afterwards."""
        path = tempfile.mkdtemp(prefix="rf-code-", dir=self.config.work_root)
        try:
            if self._drops_privileges():
                gid = self.config.gid if self.config.gid is not None else self.config.uid
                os.chown(path, self.config.uid, gid)  # type: ignore[arg-type]
            os.chmod(path, 0o700)
            yield os.path.realpath(path)
        finally:
            await asyncio.to_thread(shutil.rmtree, path, True)

    def _spec(
        self, workdir: str, isolation: Isolation, address_space_mb: int | None, data_mb: int | None
    ) -> str:
        limits = self.limits
        rlimits: dict[str, tuple[int, int]] = {
            "RLIMIT_CPU": (limits.cpu_seconds, limits.cpu_seconds + 1),
            "RLIMIT_FSIZE": (limits.max_file_mb * _MB, limits.max_file_mb * _MB),
            "RLIMIT_NOFILE": (limits.max_open_files, limits.max_open_files),
            "RLIMIT_CORE": (0, 0),
        }
        # RLIMIT_NPROC counts every process of the uid: only meaningful for a uid of our own
        # (dropped from root) or per user namespace.
        if isolation.available or self._drops_privileges():
            rlimits["RLIMIT_NPROC"] = (limits.max_processes, limits.max_processes)
        if address_space_mb:
            rlimits["RLIMIT_AS"] = (address_space_mb * _MB, address_space_mb * _MB)
        if data_mb:
            rlimits["RLIMIT_DATA"] = (data_mb * _MB, data_mb * _MB)
        return json.dumps(
            {
                "rlimits": rlimits,
                "landlock": isolation.landlock_abi > 0,
                "writable": [workdir],
                "readable": [*SYSTEM_READABLE, *self.config.readable],
                "files": [list(f) for f in SYSTEM_FILES],
            }
        )

    async def run(
        self,
        argv: Sequence[str],
        stdin: bytes,
        workdir: str,
        *,
        address_space_mb: int | None = None,
        data_mb: int | None = None,
    ) -> JailResult:
        """Run ``argv`` in ``workdir`` with ``stdin``; never raises for what the program does."""
        isolation = await self.isolation()
        if not isolation.available:
            if self.config.require_namespaces:
                raise SandboxUnavailable(
                    f"the code sandbox cannot isolate programs here ({isolation.problem}); "
                    "set ORCHESTRATOR_SANDBOX_REQUIRE_NAMESPACES=false to run code without "
                    "network isolation (not recommended)"
                )
            log.warning("code sandbox: running code WITHOUT network namespaces (%s)", isolation.problem)
        spec = self._spec(workdir, isolation, address_space_mb, data_mb)
        command = [*isolation.prefix, *self._launcher(spec), *argv]
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "HOME": workdir,
            "TMPDIR": workdir,
        }
        started = time.monotonic()
        proc = await asyncio.create_subprocess_exec(
            *command,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            cwd=workdir,
            env=env,
            start_new_session=True,
            umask=0o077,
            **self._identity(),  # type: ignore[arg-type]
        )
        supervisor = Supervisor(proc, self.limits.timeout_seconds, self.limits.max_output_bytes)
        return await supervisor.watch(stdin, started, isolation.available)


def _int(text: str) -> int:
    try:
        return int(text.split()[-1])
    except (ValueError, IndexError):
        return 0
