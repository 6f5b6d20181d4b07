"""The jail on its own: the OS walls hold for programs that skip the language runners' guards.

These programs are plain ``python -c`` / ``node -e`` (no audit hook, no permission model), so what
stops them is the jail: namespaces, the unprivileged uid, Landlock and rlimits.
"""

from __future__ import annotations

import logging
import os
import random
import select
import socket
from pathlib import Path

import pytest
from riverflow.orchestrator.tasks.sandbox import jail as jail_module
from riverflow.orchestrator.tasks.sandbox.code_runner import default_node, default_python
from riverflow.orchestrator.tasks.sandbox.jail import Jail, JailConfig, SandboxLimits, SandboxUnavailable

pytestmark = pytest.mark.integration

LIMITS = SandboxLimits(timeout_seconds=5, cpu_seconds=4, memory_mb=256, max_processes=16, max_file_mb=1)
PYTHON = default_python()


@pytest.fixture
async def jail() -> Jail:
    jail = Jail(JailConfig(limits=LIMITS, launcher_python=PYTHON))
    isolation = await jail.isolation()
    if not isolation.available:
        pytest.skip(f"no user/network namespaces on this host: {isolation.problem}")
    return jail


async def _python(jail: Jail, code: str) -> tuple[str, str]:
    async with jail.workdir() as workdir:
        ran = await jail.run(
            [PYTHON, "-I", "-S", "-c", code], b"", workdir, address_space_mb=LIMITS.memory_mb
        )
    return ran.stdout.decode(), ran.stderr.decode()


async def test_landlock_hides_files_outside_the_sandbox(jail: Jail) -> None:
    if not (await jail.isolation()).landlock_abi:
        pytest.skip("Landlock is not available on this kernel")
    out, err = await _python(
        jail,
        "import sys\n"
        f"for path in ('/etc/passwd', {str(Path(__file__).resolve())!r}, '/proc/self/environ'):\n"
        "    try:\n"
        "        open(path).read(); print('READ', path)\n"
        "    except OSError as exc:\n"
        "        print('denied', exc.errno)\n"
        "open('mine.txt', 'w').write('ok'); print(open('mine.txt').read())\n",
    )
    assert out.split() == ["denied", "13", "denied", "13", "denied", "13", "ok"], err


async def test_node_without_its_permission_model_is_still_confined(jail: Jail) -> None:
    if not (await jail.isolation()).landlock_abi:
        pytest.skip("Landlock is not available on this kernel")
    async with jail.workdir() as workdir:
        ran = await jail.run(
            [
                default_node(),
                "-e",
                "try { require('fs').readFileSync('/etc/passwd'); console.log('READ') }"
                " catch (e) { console.log(e.code) }",
            ],
            b"",
            workdir,
            address_space_mb=LIMITS.memory_mb * 2 + 2048,
            data_mb=LIMITS.memory_mb + 256,
        )
    assert ran.stdout.decode().strip() == "EACCES", ran.stderr


async def test_no_network_namespace_route_to_the_host(jail: Jail, listener: socket.socket) -> None:
    port = listener.getsockname()[1]
    out, err = await _python(
        jail,
        "import socket\n"
        "try:\n"
        f"    socket.create_connection(('127.0.0.1', {port}), timeout=2); print('CONNECTED')\n"
        "except OSError as exc:\n"
        "    print('refused', exc.errno)\n",
    )
    assert out.startswith("refused"), (out, err)
    assert select.select([listener], [], [], 0.2)[0] == []


async def test_fork_bomb_hits_the_process_limit(jail: Jail) -> None:
    if os.geteuid() == 0 and jail.config.uid in (None, 0):
        pytest.skip("RLIMIT_NPROC is not enforced for root")
    out, err = await _python(
        jail,
        "import os, time\n"
        "n = 0\n"
        "try:\n"
        "    while n < 1000:\n"
        "        if os.fork() == 0:\n"
        "            time.sleep(30); os._exit(0)\n"
        "        n += 1\n"
        "except OSError as exc:\n"
        "    print('stopped', n, exc.errno)\n",
    )
    word, count, errno = out.split()
    assert word == "stopped" and int(count) < LIMITS.max_processes and int(errno) == 11, err


def _processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if marker.encode() in (entry / "cmdline").read_bytes():
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


async def test_strays_die_with_the_program(jail: Jail) -> None:
    marker = f"{random.randint(100, 200)}.{random.randint(10**6, 10**7)}"
    out, err = await _python(
        jail,
        "import os\n"
        "if os.fork() == 0:\n"
        "    os.setsid()\n"  # leave the process group: only the PID namespace can still reap it
        f"    os.execv('/bin/sleep', ['sleep', '{marker}'])\n"
        "print('parent done')\n",
    )
    assert out.strip() == "parent done", err
    assert _processes_with(marker) == []


async def test_file_size_limit(jail: Jail) -> None:
    out, err = await _python(
        jail,
        "try:\n"
        "    open('big', 'wb').write(b'x' * (2 * 1024 * 1024)); print('WROTE')\n"
        "except OSError as exc:\n"
        "    print('refused', exc.errno)\n",
    )
    assert out.strip() == "refused 27", err  # EFBIG


async def test_programs_run_unprivileged(jail: Jail) -> None:
    if os.geteuid() != 0:
        pytest.skip("only root drops to the sandbox uid")
    out, _ = await _python(jail, "import os; print(os.getuid(), os.getgid(), os.getgroups())")
    assert out.split()[:2] == ["65534", "65534"]


async def test_missing_namespaces_refuse_code_loudly(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    real_which = jail_module.shutil.which
    monkeypatch.setattr(
        jail_module.shutil, "which", lambda name: None if name == "unshare" else real_which(name)
    )
    jail = Jail(JailConfig(limits=LIMITS, launcher_python=PYTHON))
    with caplog.at_level(logging.WARNING):
        async with jail.workdir() as workdir:
            with pytest.raises(SandboxUnavailable, match="ORCHESTRATOR_SANDBOX_REQUIRE_NAMESPACES"):
                await jail.run([PYTHON, "-c", "print(1)"], b"", workdir)
    assert any(
        "NO network/PID namespaces" in r.message and r.levelno == logging.ERROR for r in caplog.records
    )


async def test_without_namespaces_the_fallback_is_loud_and_landlock_still_blocks_tcp(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, listener: socket.socket
) -> None:
    real_which = jail_module.shutil.which
    monkeypatch.setattr(
        jail_module.shutil, "which", lambda name: None if name == "unshare" else real_which(name)
    )
    jail = Jail(JailConfig(limits=LIMITS, launcher_python=PYTHON, require_namespaces=False))
    port = listener.getsockname()[1]
    with caplog.at_level(logging.WARNING):
        async with jail.workdir() as workdir:
            ran = await jail.run(
                [
                    PYTHON,
                    "-I",
                    "-S",
                    "-c",
                    "import socket\ntry:\n"
                    f"    socket.create_connection(('127.0.0.1', {port}), 2); print('CONNECTED')\n"
                    "except OSError as exc:\n    print('refused', exc.errno)",
                ],
                b"",
                workdir,
            )
    assert ran.isolated is False
    assert any("WITHOUT network namespaces" in r.message for r in caplog.records)
    if (await jail.isolation()).landlock_abi >= 4:
        assert ran.stdout.decode().strip() == "refused 13", ran.stderr
        assert select.select([listener], [], [], 0.2)[0] == []
