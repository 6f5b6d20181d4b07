"""Inline node executors, by node type."""

from riverflow.engine.nodes.answer import run_answer
from riverflow.engine.nodes.base import ExecContext, Executor, NodeOutcome
from riverflow.engine.nodes.end import run_end
from riverflow.engine.nodes.if_else import run_if_else
from riverflow.engine.nodes.start import run_start
from riverflow.engine.nodes.template_transform import run_template_transform
from riverflow.engine.nodes.variable_aggregator import run_variable_aggregator

__all__ = ["ExecContext", "Executor", "NodeOutcome", "INLINE_EXECUTORS"]

INLINE_EXECUTORS: dict[str, Executor] = {
    "start": run_start,
    "end": run_end,
    "answer": run_answer,
    "template-transform": run_template_transform,
    "if-else": run_if_else,
    "variable-aggregator": run_variable_aggregator,
    "variable-assigner": run_variable_aggregator,
}
