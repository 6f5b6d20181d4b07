"""Start node: the (already normalised) user inputs plus ``sys.*`` values."""

from __future__ import annotations

from riverflow.engine.nodes.base import ExecContext, NodeOutcome

__all__ = ["run_start"]


def run_start(ctx: ExecContext) -> NodeOutcome:
    """Outputs are the inputs plus the flattened ``sys.*`` values (as Dify reports them)."""
    outputs = dict(ctx.inputs)
    outputs.update({f"sys.{k}": v for k, v in ctx.system.items()})
    return NodeOutcome(outputs=outputs, inputs=dict(outputs))
