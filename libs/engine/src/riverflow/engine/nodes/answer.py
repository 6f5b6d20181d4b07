"""Answer node: renders its markdown template (missing references keep their bare path)."""

from __future__ import annotations

from riverflow.engine.nodes.base import ExecContext, NodeOutcome
from riverflow.engine.templates import render_template

__all__ = ["run_answer"]


def run_answer(ctx: ExecContext) -> NodeOutcome:
    """Output ``answer`` is the rendered text; ``files`` is always empty for now."""
    text = render_template(str(ctx.data.get("answer") or ""), ctx.pool, markdown=True)
    return NodeOutcome(outputs={"answer": text, "files": []})
