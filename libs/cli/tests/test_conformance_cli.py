"""``riverflow conformance`` and ``riverflow test``: case files in, one verdict line per case out."""

from __future__ import annotations

import json
import shlex
import shutil
import sys
from pathlib import Path

import pytest
from riverflow.cli.main import main
from riverflow.cli.workflow_test import isolated_code_runner
from riverflow.contracts.events.v1 import NodeTaskRequested

SHARED = Path(__file__).resolve().parents[3].parent / "shared" / "conformance"
_DOUBLER = (
    "import json, sys; v = json.load(sys.stdin)['inputs']['variables']['arg1']; "
    "print(json.dumps({'result': [v, v]}))"
)

_DSL = """
version: 0.3.1
kind: app
app: {name: review, mode: workflow}
workflow:
  graph:
    nodes:
      - {id: start, data: {type: start, variables: [{variable: doc, type: text-input, required: true}]}}
      - {id: llm, data: {type: llm, title: Summarise}}
      - id: ask
        data:
          type: human-input
          form_content: "Approve {{#llm.text#}}?"
          inputs: [{type: paragraph, output_variable_name: note}]
          user_actions: [{id: approve, title: Approve}, {id: reject, title: Reject}]
      - {id: ok, data: {type: end, outputs: [{variable: summary, value_selector: [llm, text]},
                                             {variable: note, value_selector: [ask, note]}]}}
      - {id: ko, data: {type: end, outputs: [{variable: rejected, value_selector: [start, doc]}]}}
    edges:
      - {source: start, target: llm}
      - {source: llm, target: ask}
      - {source: ask, sourceHandle: approve, target: ok}
      - {source: ask, sourceHandle: reject, target: ko}
"""


def _case(**fields) -> dict:
    base = {
        "inputs": {"doc": "report"},
        "query": None,
        "mocks": {},
        "expected_outputs": None,
        "expected_answer": None,
        "expected_stream_order": None,
    }
    return {**base, **fields}


def _write(folder: Path, name: str, case: dict) -> Path:
    path = folder / f"{name}.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    return path


def _run(capsys, *argv: str) -> tuple[int, list[str]]:
    code = main(list(argv))
    return code, capsys.readouterr().out.strip().splitlines()


def test_the_shared_corpus_passes(capsys) -> None:
    if not (SHARED / "cases").is_dir():
        pytest.skip(f"shared conformance corpus not found at {SHARED}")
    total = len(list((SHARED / "cases").glob("*.json")))
    code, lines = _run(
        capsys, "conformance", "--cases", str(SHARED / "cases"), "--fixtures", str(SHARED / "dify-fixtures")
    )
    failures = [line for line in lines if line.startswith("FAIL")]
    assert failures == [] and code == 0
    assert lines[-1] == f"{total} passed, 0 failed"
    assert len([line for line in lines if line.startswith("PASS")]) == total


def test_a_handler_described_mock_runs_the_code_through_the_code_runner(tmp_path: Path, capsys) -> None:
    if not (SHARED / "cases").is_dir():
        pytest.skip(f"shared conformance corpus not found at {SHARED}")
    name = "iteration_flatten_output_enabled_workflow__flattened.json"
    shutil.copy(SHARED / "cases" / name, tmp_path / name)
    argv = ["conformance", "--cases", str(tmp_path), "--fixtures", str(SHARED / "dify-fixtures")]
    code, lines = _run(capsys, *argv)  # the default: the node's own code, run locally
    assert code == 0 and lines == [f"PASS {name[:-5]}: run succeeded", "1 passed, 0 failed"]
    # A given command replaces it (here one that doubles the item instead of [x, 2x]).
    code, lines = _run(capsys, *argv, "--code-runner", f"{sys.executable} -c {shlex.quote(_DOUBLER)}")
    assert code == 1 and "outputs {'output': [1, 1, 2, 2, 3, 3]}" in lines[0]
    code, lines = _run(capsys, *argv, "--code-runner", f"{sys.executable} -c 'import sys; sys.exit(\"no\")'")
    assert code == 1 and "run failed: no" in lines[0]


def test_any_folder_of_cases_with_json_output(tmp_path: Path, capsys) -> None:
    (tmp_path / "dsl").mkdir()
    (tmp_path / "dsl" / "review.yml").write_text(_DSL, encoding="utf-8")
    cases = tmp_path / "cases"
    cases.mkdir()
    mocks = {"llm": {"text": "short"}, "ask": {"action_id": "approve", "inputs": {"note": "ok"}}}
    _write(
        cases,
        "a_approve",
        _case(fixture="review.yml", mocks=mocks, expected_outputs={"summary": "short", "note": "ok"}),
    )
    _write(cases, "b_wrong", _case(fixture="review.yml", mocks=mocks, expected_outputs={"summary": "long"}))
    (cases / "c_broken.json").write_text("{not json", encoding="utf-8")
    argv = ["conformance", "--cases", str(cases), "--fixtures", str(tmp_path / "dsl")]
    code, lines = _run(capsys, *argv)
    assert code == 1
    assert lines[0] == "PASS a_approve: run succeeded"
    assert lines[1].startswith("FAIL b_wrong: outputs {'summary': 'short', 'note': 'ok'} != expected")
    assert lines[2].startswith("FAIL c_broken: unreadable case file")
    assert lines[-1] == "1 passed, 2 failed"
    code, lines = _run(capsys, *argv, "--json")
    doc = json.loads("\n".join(lines))
    assert code == 1 and (doc["passed"], doc["failed"]) == (1, 2)
    assert [c["case"] for c in doc["cases"]] == ["a_approve", "b_wrong", "c_broken"]


def test_missing_folders_are_usage_errors(tmp_path: Path, capsys) -> None:
    assert main(["conformance", "--cases", str(tmp_path / "x"), "--fixtures", str(tmp_path)]) == 2
    assert main(["test", str(tmp_path / "nothing")]) == 2


def test_workflow_tests_from_a_file_or_a_folder(tmp_path: Path, capsys) -> None:
    suite = tmp_path / "tests" / "review"
    suite.mkdir(parents=True)
    (suite / "review.yml").write_text(_DSL, encoding="utf-8")
    mocks = {"llm (all)": {"text": "short"}}
    approve = _write(
        suite,
        "approve",
        _case(
            dsl="review.yml",
            mocks={**mocks, "ask": {"action_id": "approve", "inputs": {"note": "fine"}}},
            expected_outputs={"summary": "short", "note": "fine"},
            expected_stream_order=[
                {"event": "NodeRunStreamChunkEvent", "chunk": "short"},
                {"event": "NodeRunStreamChunkEvent", "chunk": "\nfine"},
            ],
        ),
    )
    _write(
        suite,
        "reject",
        _case(
            dsl="review.yml",
            mocks={**mocks, "ask": {"action_id": "reject"}},
            expected_outputs={"rejected": "report"},
        ),
    )
    _write(
        suite, "llm_down", _case(dsl="review.yml", mocks={"llm": {"_error": "quota"}}, expected_error="quota")
    )
    code, lines = _run(capsys, "test", str(tmp_path / "tests"))
    assert code == 0, lines
    assert lines == [
        "PASS approve: run succeeded",
        "PASS llm_down: run failed: quota",
        "PASS reject: run succeeded",
        "3 passed, 0 failed",
    ]
    code, lines = _run(capsys, "test", str(approve))
    assert code == 0 and lines[-1] == "1 passed, 0 failed"


def _code_task(code: str, language: str = "python3", **variables: object) -> NodeTaskRequested:
    return NodeTaskRequested(
        run_id="r",
        node_id="c",
        node_type="code",
        idempotency_key="r:c:1",
        at=0,
        data={"code": code, "code_language": language},
        inputs={"variables": variables},
    )


def test_the_local_code_runner_runs_python_and_javascript() -> None:
    assert isolated_code_runner(_code_task("def main(a):\n    return {'r': [a, a * 2]}", a=3)) == {
        "r": [3, 6]
    }
    if shutil.which("node"):
        js = "function main({a}) { return {r: a + 1}; }"
        assert isolated_code_runner(_code_task(js, "javascript", a=1)) == {"r": 2}


@pytest.mark.parametrize(
    ("code", "error"),
    [
        (
            "import socket\ndef main():\n    socket.create_connection(('1.1.1.1', 80), timeout=3)",
            "unreachable",
        ),
        ("def main():\n    return {'big': 'x' * (2 << 30)}", "MemoryError"),
        ("def main():\n    return [1]", "JSON object"),
        ("def main():\n    raise ValueError('bad input')", "bad input"),
    ],
)
def test_the_local_code_runner_refuses_the_network_and_bounds_memory(code: str, error: str) -> None:
    with pytest.raises(RuntimeError, match=error):
        isolated_code_runner(_code_task(code))
