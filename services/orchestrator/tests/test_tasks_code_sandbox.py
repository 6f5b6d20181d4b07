"""The code node for real: python3 and Node.js programs in the sandbox (hostile ones:
test_tasks_code_hostile)."""

from __future__ import annotations

import pytest
from riverflow.orchestrator.tasks.code_node import CodeNodeExecutor

from .code_sandbox_support import refused, run_code, sandboxed_executor

pytestmark = pytest.mark.integration


@pytest.fixture
async def executor() -> CodeNodeExecutor:
    return await sandboxed_executor()


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
    outcome = await run_code(
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
    outcome = await run_code(executor, language, code)
    if language == "javascript":
        assert outcome.status == "succeeded" and outcome.outputs == {"v": 2}
    else:
        refused(outcome, "not JSON serializable")


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
    outcome = await run_code(executor, language, code, outputs={"v": {"type": "string"}})
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
    error = refused(await run_code(executor, language, code), needles[0])
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
    refused(await run_code(executor, language, code), "Result must be a dict")


@pytest.mark.parametrize("language", ["python3", "javascript"])
async def test_difys_type_checks_apply(executor: CodeNodeExecutor, language: str) -> None:
    code = (
        "def main():\n    return {'n': 'seven'}"
        if language == "python3"
        else "function main() { return {n: 'seven'}; }"
    )
    outcome = await run_code(executor, language, code, outputs={"n": {"type": "number"}})
    assert outcome.status == "failed"
    assert outcome.error_type == "OutputValidationError"
    assert outcome.error == "Output n is not a number, got <class 'str'> instead."

    code = (
        "def main():\n    return {'s': 'x' * 400001}"
        if language == "python3"
        else ("function main() { return {s: 'x'.repeat(400001)}; }")
    )
    outcome = await run_code(executor, language, code, outputs={"s": {"type": "string"}})
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
    outcome = await run_code(executor, "python3", code, variables={"names": STDLIB})
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
    outcome = await run_code(executor, "javascript", code, variables={"text": "x"})
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
    refused(await run_code(executor, "python3", code), "importing from '.' is not allowed")
