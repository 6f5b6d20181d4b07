"""The code node for real: python3 and Node.js programs in the sandbox, normal and hostile.

Every hostile program (file reads outside the sandbox, sockets, fork bombs, memory bombs, infinite
loops, huge outputs) must be refused or killed with a clear error, in both languages.
"""

from __future__ import annotations

import select
import socket
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.orchestrator.tasks.code_node import CodeNodeExecutor
from riverflow.orchestrator.tasks.registry import TaskOutcome
from riverflow.orchestrator.tasks.sandbox.code_runner import CodeSandbox
from riverflow.orchestrator.tasks.sandbox.jail import Jail, JailConfig, SandboxLimits

pytestmark = pytest.mark.integration

REPO_FILE = Path(__file__).resolve()
LIMITS = SandboxLimits(timeout_seconds=4, cpu_seconds=3, memory_mb=256, max_output_bytes=1024 * 1024)


@pytest.fixture
async def executor() -> CodeNodeExecutor:
    sandbox = CodeSandbox(Jail(JailConfig(limits=LIMITS)))
    isolation = await sandbox.jail.isolation()
    if not isolation.available:
        pytest.skip(f"no user/network namespaces on this host: {isolation.problem}")
    return CodeNodeExecutor(sandbox)


def _task(
    language: str, code: str, variables: dict[str, Any] | None = None, outputs: Any = None
) -> NodeTaskRequested:
    run_id = uuid.uuid4().hex
    data: dict[str, Any] = {"type": "code", "code_language": language, "code": code}
    if outputs is not None:
        data["outputs"] = outputs
    return NodeTaskRequested(
        run_id=run_id,
        node_id="code",
        node_type="code",
        idempotency_key=f"{run_id}:code:1",
        data=data,
        inputs={"variables": variables or {}},
        at=time.time(),
    )


async def _run(executor: CodeNodeExecutor, language: str, code: str, **kw: Any) -> TaskOutcome:
    return await executor.execute(_task(language, code, **kw))


def _refused(outcome: TaskOutcome, *needles: str) -> str:
    assert outcome.status == "failed", outcome.outputs
    assert outcome.error_type == "CodeExecutionError"
    assert outcome.error
    assert any(n in outcome.error for n in needles), outcome.error
    return outcome.error


ALL_TYPES = {
    "s": {"type": "string"},
    "n": {"type": "number"},
    "f": {"type": "number"},
    "b": {"type": "boolean"},
    "o": {"type": "object", "children": {"name": {"type": "string"}, "tags": {"type": "array[string]"}}},
    "as": {"type": "array[string]"},
    "an": {"type": "array[number]"},
    "ao": {"type": "array[object]"},
    "ab": {"type": "array[boolean]"},
}
EXPECTED = {
    "s": "héllo 3",
    "n": 4,
    "f": 1.5,
    "b": True,
    "o": {"name": "x", "tags": ["a", "b"]},
    "as": ["a", "b"],
    "an": [1, 2.5],
    "ao": [{"k": 1}],
    "ab": [True, False],
}
PROGRAMS = {
    "python3": """
def main(word: str, count: int) -> dict:
    return {
        "s": f"{word} {count}", "n": count + 1, "f": 1.5, "b": True,
        "o": {"name": "x", "tags": ["a", "b"]}, "as": ["a", "b"], "an": [1, 2.5],
        "ao": [{"k": 1}], "ab": [True, False],
    }
""",
    "javascript": """
function main({word, count}) {
  return {
    s: `${word} ${count}`, n: count + 1, f: 1.5, b: true,
    o: {name: "x", tags: ["a", "b"]}, as: ["a", "b"], an: [1, 2.5],
    ao: [{k: 1}], ab: [true, false],
  };
}
""",
}


@pytest.mark.parametrize("language", ["python3", "javascript"])
async def test_normal_program_with_every_output_type(executor: CodeNodeExecutor, language: str) -> None:
    outcome = await _run(
        executor, language, PROGRAMS[language], variables={"word": "héllo", "count": 3}, outputs=ALL_TYPES
    )
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs == EXPECTED
    assert outcome.metadata["sandbox"]["network_isolated"] is True


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python3", "async def main():\n    return {'v': 1}"),  # coroutine: not JSON
        ("javascript", "async function main() { return {v: await Promise.resolve(2)}; }"),
    ],
)
async def test_async_main(executor: CodeNodeExecutor, language: str, code: str) -> None:
    outcome = await _run(executor, language, code)
    if language == "javascript":
        assert outcome.status == "succeeded" and outcome.outputs == {"v": 2}
    else:
        _refused(outcome, "not JSON serializable")


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python3", "def main():\n    print('noise')\n    return {'v': 'ok'}"),
        (
            "javascript",
            "function main() { console.log('noise'); process.stdout.write('more'); return {v: 'ok'}; }",
        ),
    ],
)
async def test_prints_do_not_corrupt_the_result(executor: CodeNodeExecutor, language: str, code: str) -> None:
    outcome = await _run(executor, language, code, outputs={"v": {"type": "string"}})
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs == {"v": "ok"}


@pytest.mark.parametrize(
    ("language", "code", "needles"),
    [
        (
            "python3",
            "def main():\n    return {'v': 1 / 0}",
            ["ZeroDivisionError: division by zero", "line 2, in main"],
        ),
        ("javascript", "function main() {\n  throw new Error('boom');\n}", ["Error: boom", "code.js:2"]),
        ("python3", "def main(:\n    pass", ["SyntaxError"]),
        ("javascript", "function main( {", ["SyntaxError"]),
        ("python3", "x = 1", ["must define a function main"]),
        ("javascript", "const x = 1;", ["must define a function main"]),
    ],
)
async def test_user_errors_carry_the_users_traceback(
    executor: CodeNodeExecutor, language: str, code: str, needles: list[str]
) -> None:
    error = _refused(await _run(executor, language, code), needles[0])
    assert all(n in error for n in needles), error
    assert "python_runner" not in error and "node_runner" not in error


@pytest.mark.parametrize("language", ["python3", "javascript"])
@pytest.mark.parametrize("result", ["[1, 2]", "null", "'text'"])
async def test_non_dict_results_fail(executor: CodeNodeExecutor, language: str, result: str) -> None:
    code = (
        f"def main():\n    return {result.replace('null', 'None')}"
        if language == "python3"
        else f"function main() {{ return {result}; }}"
    )
    _refused(await _run(executor, language, code), "Result must be a dict")


@pytest.mark.parametrize("language", ["python3", "javascript"])
async def test_difys_type_checks_apply(executor: CodeNodeExecutor, language: str) -> None:
    code = (
        "def main():\n    return {'n': 'seven'}"
        if language == "python3"
        else "function main() { return {n: 'seven'}; }"
    )
    outcome = await _run(executor, language, code, outputs={"n": {"type": "number"}})
    assert outcome.status == "failed"
    assert outcome.error_type == "OutputValidationError"
    assert outcome.error == "Output n is not a number, got <class 'str'> instead."

    code = (
        "def main():\n    return {'s': 'x' * 400001}"
        if language == "python3"
        else ("function main() { return {s: 'x'.repeat(400001)}; }")
    )
    outcome = await _run(executor, language, code, outputs={"s": {"type": "string"}})
    assert outcome.error == "The length of output variable `s` must be less than 400000 characters"


STDLIB = (
    "json re datetime time math random hashlib base64 urllib.parse collections itertools functools decimal "
    "uuid string typing statistics zoneinfo textwrap html csv io dataclasses enum fractions copy pprint"
)


async def test_common_standard_library_modules_work(executor: CodeNodeExecutor) -> None:
    code = (
        "import importlib\n"
        "def main(names):\n"
        "    for name in names.split():\n"
        "        importlib.import_module(name)\n"
        "    import datetime, zoneinfo, uuid, hashlib\n"
        "    now = datetime.datetime(2024, 1, 1, tzinfo=zoneinfo.ZoneInfo('Asia/Shanghai'))\n"
        "    digest = hashlib.md5(b'x').hexdigest()\n"
        "    return {'tz': now.isoformat(), 'id': len(str(uuid.uuid4())), 'h': digest}\n"
    )
    outcome = await _run(executor, "python3", code, variables={"names": STDLIB})
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs == {
        "tz": "2024-01-01T00:00:00+08:00",
        "id": 36,
        "h": "9dd4e461268c8034f5c8564e155c67a6",
    }


async def test_common_node_builtins_work(executor: CodeNodeExecutor) -> None:
    code = (
        "const crypto = require('crypto');\n"
        "function main({text}) {\n"
        "  return {h: crypto.createHash('md5').update(text).digest('hex'),\n"
        "          b: Buffer.from(text).toString('base64'), host: new URL('https://a.example/x').host,\n"
        "          d: new Date(Date.UTC(2024, 0, 1)).toISOString()};\n"
        "}\n"
    )
    outcome = await _run(executor, "javascript", code, variables={"text": "x"})
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs == {
        "h": "9dd4e461268c8034f5c8564e155c67a6",
        "b": "eA==",
        "host": "a.example",
        "d": "2024-01-01T00:00:00.000Z",
    }


async def test_modules_cannot_be_loaded_from_the_work_directory(executor: CodeNodeExecutor) -> None:
    code = (
        "import sys\n"
        "def main():\n"
        "    open('evil.py', 'w').write('X = 1')\n"
        "    sys.path.insert(0, '.')\n"
        "    import evil\n"
        "    return {'x': evil.X}\n"
    )
    _refused(await _run(executor, "python3", code), "importing from '.' is not allowed")


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
    outcome = await _run(executor, language, READ_FILE[language], variables={"path": path})
    _refused(
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
    outcome = await _run(executor, language, code)
    assert outcome.status == "succeeded", outcome.error
    assert outcome.outputs == {"v": "kept"}


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    """A real TCP listener on 127.0.0.1: a connect that got through would sit in its backlog."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    yield server
    server.close()


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
    outcome = await _run(executor, language, program[language], variables={"port": port})
    _refused(
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
    outcome = await _run(executor, language, program[language])
    _refused(outcome, "not allowed in the code sandbox", "Access to this API has been restricted")
    assert time.monotonic() - started < LIMITS.timeout_seconds


MEMORY_BOMB = {
    "python3": "def main():\n    hog = []\n    while True:\n        hog.append(bytearray(10 ** 7))",
    "javascript": "function main() { const hog = []; while (true) hog.push(new Array(1e6).fill(1.5)); }",
}


@pytest.mark.parametrize("language", ["python3", "javascript"])
async def test_memory_bomb_is_stopped(executor: CodeNodeExecutor, language: str) -> None:
    error = _refused(await _run(executor, language, MEMORY_BOMB[language]), "memory limit of 256 MB exceeded")
    assert error.startswith("error:")


INFINITE_LOOP = {
    "python3": "def main():\n    while True:\n        pass",
    "javascript": "function main() { while (true) {} }",
}


@pytest.mark.parametrize("language", ["python3", "javascript"])
async def test_infinite_loop_is_killed(executor: CodeNodeExecutor, language: str) -> None:
    started = time.monotonic()
    outcome = await _run(executor, language, INFINITE_LOOP[language])
    elapsed = time.monotonic() - started
    # The CPU limit (3 s + 1 hard) or the wall clock (4 s), whichever fires first.
    _refused(outcome, "error: timeout", "error: CPU time limit")
    assert elapsed < LIMITS.timeout_seconds + 3


@pytest.mark.parametrize("language", ["python3", "javascript"])
async def test_cpu_limit_fires_before_the_wall_clock(language: str) -> None:
    sandbox = CodeSandbox(Jail(JailConfig(limits=SandboxLimits(timeout_seconds=10, cpu_seconds=1))))
    if not (await sandbox.jail.isolation()).available:
        pytest.skip("no namespaces")
    started = time.monotonic()
    outcome = await CodeNodeExecutor(sandbox).execute(_task(language, INFINITE_LOOP[language]))
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
    _refused(await _run(executor, language, program[language]), "error: output limit exceeded")
    assert time.monotonic() - started < LIMITS.timeout_seconds


@pytest.mark.parametrize(
    ("language", "code"),
    [
        ("python3", "import os\ndef main():\n    os._exit(3)"),
        ("javascript", "function main() { process.exit(3); }"),
    ],
)
async def test_exiting_without_a_result(executor: CodeNodeExecutor, language: str, code: str) -> None:
    assert _refused(await _run(executor, language, code), "error: exit status 3").startswith(
        "error: exit status 3: the program ended without a result"
    )


async def test_unknown_language_fails_cleanly(executor: CodeNodeExecutor) -> None:
    outcome = await _run(executor, "ruby", "def main; end")
    assert outcome.status == "failed" and outcome.error == "Unsupported code language: ruby"
