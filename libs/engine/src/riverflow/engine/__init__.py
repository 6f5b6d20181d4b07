"""Riverflow engine: Dify DSL parsing and a pure, deterministic run state machine."""

from riverflow.engine.commands import Command, DispatchNodeTask, EmitRunEvent
from riverflow.engine.conditions import compare, evaluate_conditions
from riverflow.engine.driver import HumanAnswer, RunOutcome, TaskReply, TaskRunner, run_in_process
from riverflow.engine.dsl import (
    AppDefinition,
    Edge,
    Graph,
    Node,
    NodeData,
    export_app,
    parse_app,
    parse_graph,
)
from riverflow.engine.dsl.node_types import KNOWN_NODE_TYPES, dispatch_service
from riverflow.engine.errors import DslError, InputError, NodeError
from riverflow.engine.inputs import validate_inputs
from riverflow.engine.machine import InboxEvent, advance, apply_event
from riverflow.engine.payloads import opening_event
from riverflow.engine.state import NodeRun, RunState
from riverflow.engine.templates import parse_template, render_template, to_markdown, to_text

__all__ = [
    "AppDefinition",
    "Command",
    "DispatchNodeTask",
    "DslError",
    "Edge",
    "EmitRunEvent",
    "HumanAnswer",
    "Graph",
    "InboxEvent",
    "InputError",
    "KNOWN_NODE_TYPES",
    "Node",
    "NodeData",
    "NodeError",
    "NodeRun",
    "RunOutcome",
    "RunState",
    "TaskReply",
    "TaskRunner",
    "advance",
    "apply_event",
    "compare",
    "dispatch_service",
    "evaluate_conditions",
    "export_app",
    "opening_event",
    "parse_app",
    "parse_graph",
    "parse_template",
    "render_template",
    "run_in_process",
    "to_markdown",
    "to_text",
    "validate_inputs",
]
