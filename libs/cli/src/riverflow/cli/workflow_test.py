"""``riverflow test PATH``: run user-written workflow tests (case files) in-process, e.g. in CI.

A test is a JSON case file in the conformance format: ``dsl`` (a DSL path relative to the test
file) or ``fixture`` (relative to ``--fixtures``, else to the test file), ``inputs``, ``query``,
``mocks`` per node id or ``"<type> (all)"`` (a human-input node's mock ``{"action_id", "inputs"}``
answers its form), optional ``conversation_variables``, and ``expected_outputs`` /
``expected_answer`` / ``expected_stream_order`` / ``expected_error`` (a substring of the import or
run error). PATH is one file or a folder searched recursively.

A code node whose mock only describes a handler in words runs its real code: through
``--code-runner CMD`` (stdin: the ``NodeTaskRequested`` JSON; stdout: the outputs as a JSON
object, ``{"error": ...}`` or a non-zero exit to fail), by default in a local child process with no
network (a user namespace), CPU, memory, file-size and wall-clock limits and a private working
directory. That default is for test runs on your machine; point ``--code-runner`` at the
platform's code sandbox for its full isolation.
"""

from __future__ import annotations

import argparse
import json
import resource
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import yaml
from riverflow.engine.casefiles import CaseResult, run_case

__all__ = ["register", "command_runner", "isolated_code_runner", "load_source", "report", "run_case_file"]

CodeRunner = Callable[[Any], dict[str, Any]]  # NodeTaskRequested -> outputs

_TIMEOUT_S = 30
_PY_MAIN = (
    "import json, sys\n"
    "spec = json.load(sys.stdin)\n"
    "scope = {}\n"
    "exec(spec['code'], scope)\n"
    "print(json.dumps(scope['main'](**spec['variables'])))\n"
)
_JS_MAIN = (
    "let s = ''; process.stdin.on('data', d => s += d).on('end', () => {"
    " const spec = JSON.parse(s); const main = new Function(spec.code + '\\nreturn main;')();"
    " process.stdout.write(JSON.stringify(main(spec.variables))); });"
)


def _outputs(done: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        raise RuntimeError(lines[-1] if lines else f"code runner exited with status {done.returncode}")
    outputs = json.loads(done.stdout)
    if not isinstance(outputs, dict):
        raise RuntimeError("the code must return (and the runner print) a JSON object")
    if set(outputs) == {"error"}:
        raise RuntimeError(str(outputs["error"]))
    return outputs


def command_runner(command: str) -> CodeRunner:
    """Hand each code node task to ``command``: task JSON on stdin, outputs JSON on stdout."""
    argv = shlex.split(command)

    def run(task: Any) -> dict[str, Any]:
        done = subprocess.run(argv, input=task.model_dump_json(), capture_output=True, text=True, timeout=120)
        return _outputs(done)

    return run


def _limits() -> None:  # in the child, before the interpreter starts
    resource.setrlimit(resource.RLIMIT_CPU, (10, 10))
    resource.setrlimit(resource.RLIMIT_FSIZE, (1 << 20, 1 << 20))
    resource.setrlimit(resource.RLIMIT_DATA, (1 << 30, 1 << 30))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def isolated_code_runner(task: Any) -> dict[str, Any]:
    """Run a python3 / javascript code node's ``main`` in a limited child process without network."""
    unshare = shutil.which("unshare")
    if unshare is None:
        raise RuntimeError("cannot cut this machine's network from the code (no unshare): give --code-runner")
    language = str(task.data.get("code_language") or "python3")
    if language == "python3":
        program = [sys.executable, "-I", "-S", "-c", _PY_MAIN]
    elif language == "javascript" and shutil.which("node"):
        program = [str(shutil.which("node")), "-e", _JS_MAIN]
    else:
        raise RuntimeError(f"no local runner for code_language {language!r}: give --code-runner")
    spec = json.dumps({"code": task.data.get("code") or "", "variables": task.inputs.get("variables") or {}})
    with tempfile.TemporaryDirectory(prefix="riverflow-code-") as workdir:
        done = subprocess.run(
            [unshare, "--user", "--map-root-user", "--net", *program],
            input=spec,
            capture_output=True,
            text=True,
            timeout=_TIMEOUT_S,
            cwd=workdir,
            env={"PATH": "/usr/bin:/bin", "HOME": workdir},
            preexec_fn=_limits,  # noqa: PLW1509 - the CLI is single-threaded here
        )
    return _outputs(done)


def load_source(case: dict[str, Any], path: Path) -> str | dict[str, Any]:
    """The DSL text of a case, or the bare ``{nodes, edges}`` graph for Builder fixtures."""
    text = path.read_text(encoding="utf-8")
    bare = case.get("bare_graph")
    if bare is None:
        bare = "builder_restricted" in Path(str(case.get("fixture") or "")).parts
    if bare:
        graph = yaml.safe_load(text)
        if not isinstance(graph, dict):
            raise ValueError(f"{path.name} is not a YAML mapping")
        return graph
    return text


def run_case_file(
    path: Path, fixture_dirs: Iterable[Path], code_runner: CodeRunner | None, *, raw_inputs: bool = False
) -> CaseResult:
    """Load one case file, find its DSL and run it; problems with the files are failures too."""
    name = path.stem
    try:
        case = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return CaseResult(name, False, f"unreadable case file: {exc}")
    if not isinstance(case, dict):
        return CaseResult(name, False, "a case file must hold a JSON object")
    ref = case.get("dsl") or case.get("fixture")
    if not ref:
        return CaseResult(name, False, "the case names no 'fixture' (or 'dsl') file")
    candidates = [path.parent / ref] if case.get("dsl") else [d / ref for d in fixture_dirs]
    dsl_path = next((p for p in candidates if p.is_file()), None)
    if dsl_path is None:
        return CaseResult(
            name, False, f"DSL file {ref!r} not found (looked in {[str(p.parent) for p in candidates]})"
        )
    try:
        source = load_source(case, dsl_path)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        return CaseResult(name, False, f"cannot read {dsl_path.name}: {exc}")
    return run_case(name, case, source, real_runner=code_runner, raw_inputs=raw_inputs)


def report(results: list[CaseResult], as_json: bool) -> int:
    """Print one line per case and the totals (or one JSON document); 1 when any case failed."""
    passed = sum(r.passed for r in results)
    failed = len(results) - passed
    if as_json:
        print(
            json.dumps(
                {"cases": [r.as_dict() for r in results], "passed": passed, "failed": failed}, indent=2
            )
        )
    else:
        for r in results:
            print(f"{'PASS' if r.passed else 'FAIL'} {r.name}: {r.detail}")
        print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def code_runner_of(args: argparse.Namespace) -> CodeRunner:
    return command_runner(args.code_runner) if args.code_runner else isolated_code_runner


def add_common_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="print one JSON document instead of lines")
    parser.add_argument(
        "--code-runner", help="command that runs a code node task (stdin task JSON → stdout outputs JSON)"
    )


def _test(args: argparse.Namespace) -> int:
    root = Path(args.path)
    if root.is_file():
        paths = [root]
    elif root.is_dir():
        paths = sorted(p for p in root.rglob("*.json") if p.is_file())
    else:
        print(f"riverflow test: {root} does not exist", file=sys.stderr)
        return 2
    if not paths:
        print(f"riverflow test: no test files (*.json) under {root}", file=sys.stderr)
        return 2
    fixtures = Path(args.fixtures) if args.fixtures else None
    runner = code_runner_of(args)
    results = [run_case_file(p, [fixtures] if fixtures else [p.parent], runner) for p in paths]
    return report(results, args.json)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "test", help="run workflow test files (DSL + inputs + mocks + expectations)"
    )
    parser.add_argument("path", help="a test file (*.json) or a folder of them")
    parser.add_argument(
        "--fixtures", help="folder that 'fixture' paths are relative to (default: the test's)"
    )
    add_common_options(parser)
    parser.set_defaults(func=_test)
