"""The code node against hostile programs, in both languages: file reads outside the sandbox,
sockets, fork bombs, memory bombs, infinite loops and huge outputs are refused or killed with a
clear error."""

from __future__ import annotations

import select
import socket
import time
from pathlib import Path

import pytest
from riverflow.orchestrator.tasks.code_node import CodeNodeExecutor
from riverflow.orchestrator.tasks.sandbox.code_runner import CodeSandbox
from riverflow.orchestrator.tasks.sandbox.jail import Jail, JailConfig, SandboxLimits

from .code_sandbox_support import LIMITS, code_task, refused, run_code, sandboxed_executor

pytestmark = pytest.mark.integration


@pytest.fixture
async def executor() -> CodeNodeExecutor:
    return await sandboxed_executor()


REPO_FILE = Path(__file__).resolve()


# -- hostile programs ----------------------------------------------------------------------------

READ_FILE = {
    "python3": "def main(path):\n    return {'content': open(path).read()}",
    "javascript": "function main({path}) { return {content: require('fs').readFileSync(path, 'utf8')}; }",
}


@pytest.mark.parametrize("language", ["python3", "javascript"])
@pytest.mark.parametrize("path", ["/etc/passwd", str(REPO_FILE), "../../etc/passwd", "/proc/self/environ"])
async def test_files_outside_the_sandbox_cannot_be_read(
    executor: CodeNodeExecutor, language: str, path: str
) -> None:
    outcome = await run_code(executor, language, READ_FILE[language], variables={"path": path})
    refused(
        outcome,
        "not allowed in the code sandbox",
        "Access to this API has been restricted",
        "Permission denied",
        "EACCES",
    )
    assert "root:" not in str(outcome.error) and "pytestmark" not in str(outcome.error)


@pytest.mark.parametrize(
    ("language", "code"),
    [
        (
            "python3",
            "def main():\n    open('note.txt', 'w').write('kept')\n    return {'v': open('note.txt').read()}",
        ),
        (
            "javascript",
            "const fs = require('fs');\n"
            "function main() {\n  fs.writeFileSync('note.txt', 'kept');\n"
            "  return {v: fs.readFileSync('note.txt', 'utf8')};\n}",
        ),
    ],
)
async def test_the_private_directory_is_usable(executor: CodeNodeExecutor, language: str, code: str) -> None:
    outcome = await run_code(executor, language, code)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs == {"v": "kept"}


CONNECT = {
    "python3": """
import socket
def main(port):
    s = socket.create_connection(("127.0.0.1", port), timeout=2)
    return {"connected": True}
""",
    "javascript": """
const net = require('net');
function main({port}) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.on('connect', () => resolve({connected: true}));
    s.on('error', reject);
  });
}
""",
}
FETCH = {
    "python3": """
import urllib.request
def main(port):
    return {"body": urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2).read().decode()}
""",
    "javascript": "async function main({port}) { const r = await fetch(`http://127.0.0.1:${port}/`); "
    "return {body: await r.text()}; }",
}


@pytest.mark.parametrize("language", ["python3", "javascript"])
@pytest.mark.parametrize("program", [CONNECT, FETCH], ids=["socket", "http"])
async def test_no_network_not_even_loopback(
    executor: CodeNodeExecutor, listener: socket.socket, language: str, program: dict[str, str]
) -> None:
    port = listener.getsockname()[1]
    outcome = await run_code(executor, language, program[language], variables={"port": port})
    refused(
        outcome,
        "not allowed in the code sandbox",
        "ENETUNREACH",
        "EACCES",
        "fetch failed",
        "Network is unreachable",
    )
    readable, _, _ = select.select([listener], [], [], 0.2)
    assert readable == [], "a connection reached the listener"


FORK_BOMB = {
    "python3": "import os\ndef main():\n    while True:\n        os.fork()",
    "javascript": "const cp = require('child_process');\n"
    "function main() { while (true) { cp.spawn(process.execPath, ['-e', 'setInterval(()=>{},1000)']); } }",
}
SUBPROCESS = {
    "python3": "import subprocess\ndef main():\n    return {'id': subprocess.check_output(['id']).decode()}",
    "javascript": "function main() { return {id: require('child_process').execSync('id').toString()}; }",
}


@pytest.mark.parametrize("language", ["python3", "javascript"])
@pytest.mark.parametrize("program", [FORK_BOMB, SUBPROCESS], ids=["fork-bomb", "subprocess"])
async def test_no_processes(executor: CodeNodeExecutor, language: str, program: dict[str, str]) -> None:
    started = time.monotonic()
    outcome = await run_code(executor, language, program[language])
    refused(outcome, "not allowed in the code sandbox", "Access to this API has been restricted")
    assert time.monotonic() - started < LIMITS.timeout_seconds


MEMORY_BOMB = {
    "python3": "def main():\n    hog = []\n    while True:\n        hog.append(bytearray(10 ** 7))",
    "javascript": "function main() { const hog = []; while (true) hog.push(new Array(1e6).fill(1.5)); }",
}


@pytest.mark.parametrize("language", ["python3", "javascript"])
async def test_memory_bomb_is_stopped(executor: CodeNodeExecutor, language: str) -> None:
    error = refused(
        await run_code(executor, language, MEMORY_BOMB[language]), "memory limit of 256 MB exceeded"
    )
    assert error.startswith("error:")


INFINITE_LOOP = {
    "python3": "def main():\n    while True:\n        pass",
    "javascript": "function main() { while (true) {} }",
}


@pytest.mark.parametrize("language", ["python3", "javascript"])
async def test_infinite_loop_is_killed(executor: CodeNodeExecutor, language: str) -> None:
    started = time.monotonic()
    outcome = await run_code(executor, language, INFINITE_LOOP[language])
    elapsed = time.monotonic() - started
    # The CPU limit (3 s + 1 hard) or the wall clock (4 s), whichever fires first.
    refused(outcome, "error: timeout", "error: CPU time limit")
    assert elapsed < LIMITS.timeout_seconds + 3


@pytest.mark.parametrize("language", ["python3", "javascript"])
async def test_cpu_limit_fires_before_the_wall_clock(language: str) -> None:
    sandbox = CodeSandbox(Jail(JailConfig(limits=SandboxLimits(timeout_seconds=10, cpu_seconds=1))))
    if not (await sandbox.jail.isolation()).available:
        pytest.skip("no namespaces")
    started = time.monotonic()
    outcome = await CodeNodeExecutor(sandbox).execute(code_task(language, INFINITE_LOOP[language]))
    assert outcome.error == "error: CPU time limit of 1 s exceeded"
    assert time.monotonic() - started < 9  # CPU seconds, not wall seconds: the machine is shared


HUGE_RESULT = {
    "python3": "def main():\n    return {'s': 'x' * (3 * 1024 * 1024)}",
    "javascript": "function main() { return {s: 'x'.repeat(3 * 1024 * 1024)}; }",
}
PRINT_FLOOD = {
    "python3": "def main():\n    while True:\n        print('x' * 1000)",
    "javascript": "function main() { while (true) console.log('x'.repeat(1000)); }",
}


@pytest.mark.parametrize("language", ["python3", "javascript"])
@pytest.mark.parametrize("program", [HUGE_RESULT, PRINT_FLOOD], ids=["result", "prints"])
async def test_huge_output_is_cut_off(
    executor: CodeNodeExecutor, language: str, program: dict[str, str]
) -> None:
    started = time.monotonic()
    refused(await run_code(executor, language, program[language]), "error: output limit exceeded")
    assert time.monotonic() - started < LIMITS.timeout_seconds


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python3", "import os\ndef main():\n    os._exit(3)"),
        ("javascript", "function main() { process.exit(3); }"),
    ],
)
async def test_exiting_without_a_result(executor: CodeNodeExecutor, language: str, code: str) -> None:
    assert refused(await run_code(executor, language, code), "error: exit status 3").startswith(
        "error: exit status 3: the program ended without a result"
    )


async def test_unknown_language_fails_cleanly(executor: CodeNodeExecutor) -> None:
    outcome = await run_code(executor, "ruby", "def main; end")
    assert outcome.status == "failed" and outcome.error == "Unsupported code language: ruby"
