"""Tests as data: Dify's own cases (shared/conformance/cases) and ours (tests/cases), run in process.

What is deterministic is asserted in full. Cases whose Dify test also checked thread scheduling
only keep the portable part in their case file: ``multilingual_parallel_llm_streaming_workflow``
(template order of the chunks, not which LLM finished first) and the ``*_5_workers`` /
``parallel_iteration_*`` cases (outputs in item order, not completion order).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.engine import parse_app, parse_graph, run_in_process
from riverflow.engine.casefiles import CaseMocks, asserts_something, check_outcome, run_case
from riverflow.engine.driver import RunOutcome

CONFORMANCE = Path(__file__).resolve().parents[3].parent / "shared" / "conformance"
FIXTURES = CONFORMANCE / "dify-fixtures"
CASES = sorted((CONFORMANCE / "cases").glob("*.json")) + sorted(
    (Path(__file__).parent / "cases").glob("*.json")
)

_PY = """
import json, sys
spec = json.loads(sys.stdin.read())
scope = {}
exec(spec["code"], scope)
print(json.dumps(scope["main"](**spec["variables"])))
"""


def run_python_code(task: NodeTaskRequested) -> dict[str, Any]:
    """Run a trusted fixture's python3 code node in a real interpreter (test helper, not a sandbox)."""
    assert task.data.get("code_language") == "python3"
    spec = json.dumps({"code": task.data["code"], "variables": task.inputs.get("variables") or {}})
    done = subprocess.run(
        [sys.executable, "-I", "-c", _PY], input=spec, capture_output=True, text=True, timeout=30, check=True
    )
    return json.loads(done.stdout)


def _source(case: dict[str, Any]) -> str | dict[str, Any]:
    text = (FIXTURES / case["fixture"]).read_text(encoding="utf-8")
    return yaml.safe_load(text) if case["fixture"].startswith("builder_restricted/") else text


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_conformance_case(path: Path) -> None:
    if not FIXTURES.is_dir():
        pytest.skip("shared conformance corpus not found")
    case = json.loads(path.read_text(encoding="utf-8"))
    result = run_case(path.stem, case, _source(case), real_runner=run_python_code)
    assert result.passed, result.detail


def test_the_corpus_is_mostly_asserting_cases() -> None:
    if not FIXTURES.is_dir():
        pytest.skip("shared conformance corpus not found")
    asserting = [p for p in CASES if asserts_something(json.loads(p.read_text()))]
    assert len(asserting) >= 55  # the parametrized test above checks each of them


def _outcome(chunks: list[str], outputs: dict[str, Any], status: str = "succeeded") -> RunOutcome:
    from riverflow.contracts.events.v1 import RunEvent

    events = [
        RunEvent(run_id="r", task_id="r", seq=i + 1, event="text_chunk", data={"text": c}, created_at=0)
        for i, c in enumerate(chunks)
    ]
    events.append(
        RunEvent(
            run_id="r",
            task_id="r",
            seq=len(chunks) + 1,
            event="workflow_finished",
            data={"status": status},
            created_at=0,
        )
    )
    return RunOutcome(status=status, outputs=outputs, error=None, events=events)


def test_checks_catch_wrong_outputs_order_and_final_event() -> None:
    case = {
        "expected_outputs": {"a": 1},
        "expected_answer": None,
        "expected_stream_order": [
            {"event": "NodeRunStreamChunkEvent", "chunk": "x"},
            {"event": "NodeRunStreamChunkEvent", "chunk": "y"},
            {"event": "GraphRunSucceededEvent"},
        ],
    }
    assert check_outcome(case, _outcome(["x", "y"], {"a": 1})) == []
    assert check_outcome(case, _outcome(["x", "y", "z"], {"a": 1}))  # trailing text not listed
    assert check_outcome(case, _outcome(["y", "x"], {"a": 1}))
    assert check_outcome(case, _outcome(["x", "y"], {"a": 2}))
    assert check_outcome(case, _outcome(["x", "y"], {"a": 1}, status="failed"))
    wildcard = {
        "expected_stream_order": [
            {"event": "NodeRunStreamChunkEvent", "chunk": "x"},
            {"event": "NodeRunStreamChunkEvent"},
        ]
    }
    assert check_outcome(wildcard, _outcome(["x", "anything"], {})) == []
    assert check_outcome(wildcard, _outcome(["nope"], {}))


def test_mocks_follow_dify_auto_mock_conventions() -> None:
    mocks = CaseMocks({"tool (all)": {"text": "t"}, "n1": {"_error": "down"}, "_default_llm_response": "a b"})
    task = NodeTaskRequested(run_id="r", node_id="x", node_type="llm", idempotency_key="k", at=0)
    reply = mocks(task)
    assert reply.outputs["text"] == "a b" and reply.chunks == ["a", " b", ""]
    tool = mocks(task.model_copy(update={"node_type": "tool", "node_id": "t1"}))
    assert tool.outputs == {"text": "t"} and tool.chunks == []
    assert mocks(task.model_copy(update={"node_id": "n1"})).error == "down"
    code = task.model_copy(
        update={
            "node_type": "code",
            "data": {
                "outputs": {"s": {"type": "string"}, "n": {"type": "number"}, "l": {"type": "array[number]"}}
            },
        }
    )
    assert mocks(code).outputs == {"s": "mocked_s", "n": 42, "l": [1, 2, 3]}


def _fixture(name: str) -> str:
    path = FIXTURES / name
    if not path.is_file():
        pytest.skip("shared conformance corpus not found")
    return path.read_text(encoding="utf-8")


def test_builder_template_greeting_renders_jinja() -> None:
    app = parse_graph(yaml.safe_load(_fixture("builder_restricted/template_greeting.yml")))
    outcome = run_in_process(app, {"name": "Ada"})
    assert outcome.status == "succeeded"
    assert outcome.outputs == {"out": "Hello, Ada!"}
    assert outcome.chunks == ["Hello, Ada!"]


@pytest.mark.parametrize(("query", "streamed"), [("hello there", "- produced"), ("bye", "- ")])
def test_skipped_producer_segment_is_dropped_from_the_stream(query: str, streamed: str) -> None:
    app = parse_app(_fixture("minimal_non_uuid_conversation_variable.yml"))
    outcome = run_in_process(app, {}, system={"query": query})
    assert outcome.status == "succeeded"
    assert "".join(outcome.chunks) == streamed
    assert all(e.event != "text_chunk" for e in outcome.events)  # chatflows stream `message` events


def test_a_template_transform_mock_replaces_the_rendered_text() -> None:
    dsl = (Path(__file__).resolve().parents[3] / "bench" / "workflows" / "three_node.yml").read_text()
    case = {
        "inputs": {"name": "Ada"},
        "mocks": {"greet": {"output": "mocked {{ not rendered }}"}},
        "expected_outputs": {"greeting": "mocked {{ not rendered }}"},
    }
    assert run_case("mocked", case, dsl).passed
    result = run_case("real", {**case, "mocks": {}, "expected_outputs": None}, dsl)
    assert (
        result.outcome is not None
        and result.outcome.outputs["greeting"] == "Hello, Ada! You are number case."
    )


def test_raw_inputs_reach_the_start_node_as_given() -> None:
    # Dify's graph-engine tests put inputs straight into the pool: an empty required text echoes.
    text = _fixture("simple_passthrough_workflow.yml")
    case = {"inputs": {"query": ""}, "expected_outputs": {"query": ""}}
    assert run_case("raw", case, text, raw_inputs=True).passed
    app_rules = run_case("app", case, text)
    assert not app_rules.passed and "query is required" in app_rules.detail
    assert run_case("override", {**case, "raw_inputs": True}, text).passed
