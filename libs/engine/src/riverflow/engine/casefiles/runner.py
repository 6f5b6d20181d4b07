"""Run one case (DSL + inputs + mocks + expectations) through the in-process driver."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from riverflow.contracts.events.v1 import NodeTaskRequested
from riverflow.engine.casefiles.checks import asserts_something, check_outcome
from riverflow.engine.casefiles.mocks import CaseMocks
from riverflow.engine.driver import RunOutcome, run_in_process
from riverflow.engine.dsl.models import AppDefinition
from riverflow.engine.dsl.parser import parse_app, parse_graph
from riverflow.engine.errors import DslError

__all__ = ["CaseResult", "run_case"]


@dataclass
class CaseResult:
    """The verdict on one case: ``passed`` and, either way, a one-line ``detail``."""

    name: str
    passed: bool
    detail: str
    status: str | None = None
    outcome: RunOutcome | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"case": self.name, "passed": self.passed, "detail": self.detail, "run_status": self.status}


def _load(source: str | dict[str, Any], mocks: CaseMocks) -> AppDefinition:
    app = parse_graph(source) if isinstance(source, dict) else parse_app(source)
    return _with_template_mocks(app, mocks)


def _with_template_mocks(app: AppDefinition, mocks: CaseMocks) -> AppDefinition:
    """Template-transform nodes run inside the engine; a mock with an ``output`` replaces the template.

    Dify's mock factory returns such a node's configured outputs instead of rendering; the same
    happens here by swapping in a template that renders exactly that text.
    """
    if app.graph is None:
        return app
    changed = False
    doc = copy.deepcopy(app.raw)
    for node in doc.get("workflow", {}).get("graph", {}).get("nodes") or []:
        data = node.get("data") or {}
        if data.get("type") != "template-transform":
            continue
        mock = mocks.mock_for(str(node.get("id")), "template-transform")
        if isinstance(mock, dict) and isinstance(mock.get("output"), str):
            data["template"] = "{% raw %}" + mock["output"].replace("{% endraw %}", "") + "{% endraw %}"
            data["variables"] = []
            changed = True
    if not changed:
        return app
    return parse_app(json.dumps(doc, ensure_ascii=False, default=str))


def _mocked_error(case: dict[str, Any]) -> str | None:
    for value in (case.get("mocks") or {}).values():
        if isinstance(value, dict) and "_error" in value:
            return str(value["_error"])
    return None


def run_case(
    name: str,
    case: dict[str, Any],
    source: str | dict[str, Any],
    *,
    real_runner: Callable[[NodeTaskRequested], Any] | None = None,
    raw_inputs: bool = False,
) -> CaseResult:
    """Run ``case`` on ``source`` (a DSL text, or a bare ``{nodes, edges}`` graph) and judge it.

    A case without expectations passes when the engine handles it without crashing (its detail
    says what happened); ``expected_error`` (our extension) asserts an import or run error.
    ``raw_inputs`` (or the case's own ``raw_inputs``) gives the inputs to the start node as they
    are, as Dify's graph-engine tests do; otherwise the app layer's form rules apply first.
    """
    expected_error = case.get("expected_error")
    mocks = CaseMocks(case.get("mocks") or {}, real_runner)
    try:
        app = _load(source, mocks)
    except DslError as exc:
        if expected_error is not None:
            ok = str(expected_error) in exc.message
            return CaseResult(name, ok, f"import refused: {exc.message}")
        if asserts_something(case):
            return CaseResult(name, False, f"import refused: {exc.message}")
        return CaseResult(name, True, f"nothing asserted; import refused: {exc.message}")
    system = {"query": case["query"]} if case.get("query") is not None else {}
    try:
        outcome = run_in_process(
            app,
            case.get("inputs") or {},
            system=system,
            task_runner=mocks,
            run_id=str(case.get("run_id") or "case"),
            conversation_variables=case.get("conversation_variables"),
            human_answer=mocks.human_answer,
            raw_inputs=bool(case.get("raw_inputs", raw_inputs)),
        )
    except Exception as exc:  # noqa: BLE001 - an engine crash is a failed case, reported as such
        return CaseResult(name, False, f"engine error: {type(exc).__name__}: {exc}")
    status = outcome.status
    if expected_error is not None:
        ok = status == "failed" and str(expected_error) in (outcome.error or "")
        return CaseResult(name, ok, f"run {status}: {outcome.error}", status, outcome)
    if not asserts_something(case):
        mocked_error = _mocked_error(case)
        if mocked_error is not None:
            # A mocked failure with nothing else asserted: the run must fail and report it.
            ok = status == "failed" and bool(outcome.error)
            return CaseResult(name, ok, f"run {status}: {outcome.error}", status, outcome)
        return CaseResult(name, True, f"nothing asserted; run {status}", status, outcome)
    problems = check_outcome(case, outcome)
    if problems:
        return CaseResult(name, False, "; ".join(problems), status, outcome)
    return CaseResult(name, True, f"run {status}", status, outcome)
