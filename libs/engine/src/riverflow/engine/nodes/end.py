"""End node: the run's outputs, read from selectors (missing → null)."""

from __future__ import annotations

from riverflow.engine.nodes.base import ExecContext, NodeOutcome
from riverflow.engine.variable_pool import MISSING, lookup

__all__ = ["run_end"]


def run_end(ctx: ExecContext) -> NodeOutcome:
    """Collect ``outputs: [{variable, value_selector}]`` into a dict."""
    outputs = {}
    for item in ctx.data.get("outputs") or []:
        if not isinstance(item, dict) or not item.get("variable"):
            continue
        value = lookup(ctx.pool, [str(s) for s in item.get("value_selector") or []])
        outputs[str(item["variable"])] = None if value is MISSING else value
    return NodeOutcome(outputs=outputs, inputs=dict(outputs))
