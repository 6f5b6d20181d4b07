"""If-else node: the first true case's id is the branch, else ``false``."""

from __future__ import annotations

from riverflow.engine.conditions import evaluate_conditions
from riverflow.engine.nodes.base import ExecContext, NodeOutcome

__all__ = ["run_if_else"]


def run_if_else(ctx: ExecContext) -> NodeOutcome:
    """Evaluate ``cases`` in order (or the legacy single ``conditions`` form, handle ``true``)."""
    cases = ctx.data.get("cases")
    if cases is None:
        cases = [
            {
                "case_id": "true",
                "logical_operator": ctx.data.get("logical_operator") or "and",
                "conditions": ctx.data.get("conditions") or [],
            }
        ]
    results = []
    for case in cases:
        case_id = str(case.get("case_id") or case.get("id") or "true")
        ok, used = evaluate_conditions(
            case.get("conditions") or [], case.get("logical_operator") or "and", ctx.pool
        )
        results.append({"case_id": case_id, "result": ok, "conditions": used})
        if ok:
            return NodeOutcome(
                outputs={"result": True, "selected_case_id": case_id},
                process_data={"condition_results": results},
                handle=case_id,
            )
    return NodeOutcome(
        outputs={"result": False, "selected_case_id": "false"},
        process_data={"condition_results": results},
        handle="false",
    )
