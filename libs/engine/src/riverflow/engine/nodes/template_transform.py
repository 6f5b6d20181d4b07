"""Template-transform node: Jinja2 in an immutable sandbox."""

from __future__ import annotations

import functools

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment
from riverflow.engine.errors import NodeError
from riverflow.engine.nodes.base import ExecContext, NodeOutcome
from riverflow.engine.variable_pool import MISSING, lookup

__all__ = ["run_template_transform", "MAX_OUTPUT_LENGTH"]

#: Dify's default TEMPLATE_TRANSFORM_MAX_LENGTH.
MAX_OUTPUT_LENGTH = 400_000

_env = ImmutableSandboxedEnvironment()


@functools.lru_cache(maxsize=512)
def _compile(template: str) -> jinja2.Template:
    return _env.from_string(template)


def run_template_transform(ctx: ExecContext) -> NodeOutcome:
    """Render ``template`` with ``variables: [{variable, value_selector}]``; output ``output``."""
    variables = {}
    for item in ctx.data.get("variables") or []:
        if not isinstance(item, dict) or not item.get("variable"):
            continue
        value = lookup(ctx.pool, [str(s) for s in item.get("value_selector") or []])
        variables[str(item["variable"])] = None if value is MISSING else value
    try:
        text = _compile(str(ctx.data.get("template") or "")).render(**variables)
    except jinja2.TemplateError as exc:
        raise NodeError(f"Failed to render template: {exc}", "TemplateTransformError") from exc
    if len(text) > MAX_OUTPUT_LENGTH:
        raise NodeError(f"Output length exceeds {MAX_OUTPUT_LENGTH} characters", "OutputTooLongError")
    return NodeOutcome(outputs={"output": text}, inputs=variables)
