"""Tests as data: Dify's own cases (shared/conformance/cases) run through the in-process driver."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.engine import AppDefinition, RunOutcome, parse_app, parse_graph, run_in_process
from riverflow.engine.dsl.node_types import INLINE_NODE_TYPES, dispatch_service

CONFORMANCE = Path(__file__).resolve().parents[3].parent / "shared" / "conformance"
CASES = sorted((CONFORMANCE / "cases").glob("*.json"))

_CLASS = {
    "workflow_started": "GraphRunStartedEvent",
    "node_started": "NodeRunStartedEvent",
    "text_chunk": "NodeRunStreamChunkEvent",
    "message": "NodeRunStreamChunkEvent",
    "node_retry": "NodeRunRetryEvent",
}
_FINISHED = {
    "succeeded": "NodeRunSucceededEvent",
    "exception": "NodeRunExceptionEvent",
    "failed": "NodeRunFailedEvent",
}
_RUN = {
    "succeeded": "GraphRunSucceededEvent",
    "partial-succeeded": "GraphRunPartialSucceededEvent",
    "failed": "GraphRunFailedEvent",
    "stopped": "GraphRunAbortedEvent",
}


def _event_class(event: Any) -> str:
    if event.event == "node_finished":
        return _FINISHED[event.data["status"]]
    if event.event == "workflow_finished":
        return _RUN[event.data["status"]]
    return _CLASS.get(event.event, event.event)


def _load(case: dict[str, Any]) -> AppDefinition:
    path = CONFORMANCE / "dify-fixtures" / case["fixture"]
    text = path.read_text(encoding="utf-8")
    if case["fixture"].startswith("builder_restricted/"):
        return parse_graph(yaml.safe_load(text))
    return parse_app(text)


def _plan(case: dict[str, Any]) -> tuple[str, str | None]:
    """('inline' | 'mocked' | 'skip', reason)."""
    if case["fixture"] == "minimal_not_an_app.yml":
        return "skip", "not an app export (covered by test_dsl)"
    app = _load(case)
    assert app.graph is not None
    top = [n for n in app.graph.nodes if n.container_id is None]
    others = [n for n in top if n.node_type not in INLINE_NODE_TYPES]
    asserted = case["expected_outputs"], case["expected_answer"], case["expected_stream_order"]
    if all(a is None for a in asserted) and "_error" not in json.dumps(case["mocks"]):
        return "skip", "the case asserts nothing"
    for node in others:
        if dispatch_service(node.node_type) is None:
            return "skip", f"node type {node.node_type} is not executable yet"
    # A dispatched node without a per-node mock fails the run if it is ever asked for.
    return ("mocked" if others else "inline"), None


def _runner(mocks: dict[str, Any]):
    def run(task: NodeTaskRequested) -> dict[str, Any]:
        mock = mocks.get(task.node_id)
        if not isinstance(mock, dict):
            raise KeyError(f"no mock for node {task.node_id}")
        if "_error" in mock:
            raise RuntimeError(mock["_error"])
        outputs = {k: v for k, v in mock.items() if not k.startswith("_")}
        if "stream_chunks" in outputs:
            outputs = {"text": "".join(outputs.pop("stream_chunks"))}
            outputs.pop("delay_per_chunk_s", None)
        return outputs

    return run


def _run(case: dict[str, Any], app: AppDefinition) -> RunOutcome:
    system = {"query": case["query"]} if case.get("query") is not None else {}
    return run_in_process(
        app, case["inputs"], system=system, task_runner=_runner(case["mocks"]), run_id="case"
    )


@pytest.mark.parametrize("path", CASES, ids=[p.stem for p in CASES])
def test_conformance_case(path: Path) -> None:
    case = json.loads(path.read_text(encoding="utf-8"))
    plan, reason = _plan(case)
    if plan == "skip":
        pytest.skip(reason)
    outcome = _run(case, _load(case))
    if case["expected_outputs"] is not None:
        assert outcome.outputs == case["expected_outputs"], outcome.error
    if case["expected_answer"] is not None:
        assert case["expected_answer"] in ("".join(outcome.chunks), outcome.answer)
    expected = case["expected_stream_order"] or []
    classes = [_event_class(e) for e in outcome.events]
    if expected and expected[0]["event"] == "GraphRunStartedEvent" and plan == "inline":
        assert classes == [e["event"] for e in expected]
    for entry in expected:
        if entry["event"].startswith("GraphRun") and entry["event"] != "GraphRunStartedEvent":
            assert classes[-1] == entry["event"]
    wanted = [e["chunk"] for e in expected if e["event"] == "NodeRunStreamChunkEvent" and "chunk" in e]
    if plan == "inline":
        got = outcome.chunks
        assert [c for c in got if c in wanted] == wanted, got
    else:
        # Dispatched nodes deliver their text in one piece: compare the text order only.
        assert "".join(wanted) in "".join(outcome.chunks)
    if case["expected_outputs"] is None and plan == "mocked" and "_error" in str(case["mocks"]):
        assert outcome.status == "failed" and outcome.error


def test_some_cases_are_supported() -> None:
    if not CASES:
        pytest.skip("shared conformance corpus not found")
    runnable = {p.stem for p in CASES if _plan(json.loads(p.read_text()))[0] != "skip"}
    for stem in (
        "simple_passthrough_workflow__event_sequence",
        "conditional_hello_branching_workflow__true_basic",
        "dual_switch_variable_aggregator_workflow__s1_0_s2_1",
        "end_node_without_value_type_field_workflow__query_passthrough",
        "answer_end_with_text__prefix_query_suffix",
        "builder_restricted_scalar__echo_unicode_text",
    ):
        assert stem in runnable


def _fixture(name: str) -> str:
    path = CONFORMANCE / "dify-fixtures" / name
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
