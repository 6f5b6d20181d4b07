"""Variable aggregator (and its legacy name ``variable-assigner``): first value that exists."""

from __future__ import annotations

from typing import Any

from riverflow.engine.nodes.base import ExecContext, NodeOutcome
from riverflow.engine.variable_pool import MISSING, lookup

__all__ = ["run_variable_aggregator"]


def _first(pool: dict[str, dict[str, Any]], selectors: list[Any]) -> tuple[str, Any] | None:
    for selector in selectors or []:
        if not isinstance(selector, list):
            continue
        value = lookup(pool, [str(s) for s in selector])
        # Outputs of skipped branches never enter the pool, so the branch that ran wins.
        if value is not MISSING and value is not None:
            return ".".join(str(s) for s in selector[1:]), value
    return None


def run_variable_aggregator(ctx: ExecContext) -> NodeOutcome:
    """Ungrouped: ``output``; grouped: ``{group_name: {"output": value}}`` per group found."""
    outputs: dict[str, Any] = {}
    inputs: dict[str, Any] = {}
    settings = ctx.data.get("advanced_settings") or {}
    if settings.get("group_enabled"):
        for group in settings.get("groups") or []:
            found = _first(ctx.pool, group.get("variables") or [])
            if found is not None:
                outputs[str(group.get("group_name"))] = {"output": found[1]}
                inputs[found[0]] = found[1]
    else:
        found = _first(ctx.pool, ctx.data.get("variables") or [])
        if found is not None:
            outputs["output"] = found[1]
            inputs[found[0]] = found[1]
    return NodeOutcome(outputs=outputs, inputs=inputs)
