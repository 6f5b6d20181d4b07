"""Inline node executors, by node type."""

from riverflow.engine.nodes.answer import run_answer
from riverflow.engine.nodes.assigner import run_assigner
from riverflow.engine.nodes.base import ExecContext, Executor, NodeOutcome
from riverflow.engine.nodes.end import run_end
from riverflow.engine.nodes.if_else import run_if_else
from riverflow.engine.nodes.list_operator import run_list_operator
from riverflow.engine.nodes.start import run_start
from riverflow.engine.nodes.template_transform import run_template_transform
from riverflow.engine.nodes.variable_aggregator import run_variable_aggregator

__all__ = ["ExecContext", "Executor", "NodeOutcome", "INLINE_EXECUTORS"]


def _loop_end(ctx: ExecContext) -> NodeOutcome:
    # Reaching it ends the loop after this round; the engine reads that from the node type.
    return NodeOutcome(outputs={})


INLINE_EXECUTORS: dict[str, Executor] = {
    "start": run_start,
    "end": run_end,
    "answer": run_answer,
    "template-transform": run_template_transform,
    "if-else": run_if_else,
    "variable-aggregator": run_variable_aggregator,
    "variable-assigner": run_variable_aggregator,
    "assigner": run_assigner,
    "list-operator": run_list_operator,
    "loop-end": _loop_end,
}
