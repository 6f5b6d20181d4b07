"""Single-step run (Dify's "Run this step"): one node of a graph, run alone with given variables.

A ``RunRequested`` with ``single_node`` becomes a run of a cut-down app: the graph keeps its start
node (the parser requires a root; it never runs) and the chosen node, with no edges, so nothing runs
after it. The variables the node reads are seeded into the pool: other nodes' outputs, and
``sys``/``env``/``conversation`` values over the run's own. The run's events are an ordinary run's:
``workflow_started``, the node's ``node_started``/``node_finished``, ``workflow_finished``.

User inputs follow Dify's single-step convention, keyed by selector: ``"#1711528708197.text#"``;
also ``"sys.query"`` (a dotted selector) and, for a node that names its inputs (code,
template-transform, an LLM's Jinja2 variables), the bare name (``"arg1"``), as Dify's forms send;
either may carry the node's own id in front (``"<node_id>.#1711528708197.text#"``), as Dify allows.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from riverflow.contracts.events.v1 import RunRequested
from riverflow.engine.bootstrap import initial_state
from riverflow.engine.dsl.models import AppDefinition, Node
from riverflow.engine.dsl.node_types import CONTAINER_NODE_TYPES, CONTAINER_START_TYPES, ROOT_NODE_TYPES
from riverflow.engine.dsl.parser import parse_app
from riverflow.engine.errors import DslError, InputError
from riverflow.engine.graph import RuntimeGraph, runtime_graph
from riverflow.engine.payloads import workflow_started
from riverflow.engine.state import RunState
from riverflow.engine.templates import VARIABLE_PATTERN
from riverflow.engine.variable_pool import has_value

if TYPE_CHECKING:
    from riverflow.engine.commands import Command
    from riverflow.engine.step import StepCore

__all__ = [
    "NOT_RUNNABLE_ALONE",
    "read_selectors",
    "seeded_variables",
    "plan_single_node",
    "start_single_node",
]

#: Node types a single-step run refuses: entry points and response nodes (nothing to run alone),
#: containers (their body would have to run too), and the run pause.
NOT_RUNNABLE_ALONE = (
    ROOT_NODE_TYPES
    | CONTAINER_NODE_TYPES
    | CONTAINER_START_TYPES
    | {"end", "answer", "loop-end", "human-input"}
)

#: Keys (besides ``*selector``) whose value is a selector or a list of selectors, by node type.
_SELECTOR_KEYS = {
    "parameter-extractor": "query",
    "list-operator": "variable",
    "variable-aggregator": "variables",
}


def _is_selector(value: Any) -> bool:
    return isinstance(value, list) and len(value) >= 2 and all(isinstance(v, str) and v for v in value)


def read_selectors(node: Node) -> list[tuple[str, ...]]:
    """The selectors a node's data reads, in order and once each: value selectors and ``{{#...#}}``.

    Disabled blocks (``{"enabled": false, ...}``: context, vision, memory) read nothing.
    """
    data = node.data.model_dump(by_alias=True, exclude_none=True)
    extra = _SELECTOR_KEYS.get(node.node_type)
    found: dict[tuple[str, ...], None] = {}

    def walk(value: Any, key: str) -> None:
        if isinstance(value, str):
            for match in VARIABLE_PATTERN.finditer(value):
                found[tuple(match.group(1).split("."))] = None
        elif isinstance(value, list):
            if (key.endswith("selector") or key == extra) and _is_selector(value):
                found[tuple(value)] = None
                return
            for item in value:
                walk(item, key)
        elif isinstance(value, Mapping):
            if value.get("enabled") is False:
                return
            # A tool parameter or an assigner item whose value is a variable: ``value`` is a selector.
            by_variable = "variable" in (value.get("type"), value.get("input_type"))
            if by_variable and _is_selector(value.get("value")):
                found[tuple(value["value"])] = None
            for k, v in value.items():
                walk(v, str(k))

    walk(data, "")
    return list(found)


def _named_inputs(node: Node) -> dict[str, tuple[str, ...]]:
    """``{name: selector}`` of the inputs a node names itself (code, template-transform, Jinja2)."""
    extra = node.data.model_extra or {}
    items = list(extra.get("variables") or [])
    items += list((extra.get("prompt_config") or {}).get("jinja2_variables") or [])
    return {
        str(item["variable"]): tuple(item["value_selector"])
        for item in items
        if isinstance(item, Mapping) and item.get("variable") and _is_selector(item.get("value_selector"))
    }


def _runnable_alone(app: AppDefinition, node_id: str) -> Node:
    node = app.graph.node(node_id) if app.graph is not None else None
    if node is None:
        raise InputError(f"Node {node_id} is not in the workflow.", field="node_id")
    if node.container_id is not None:
        raise InputError(
            f"Node {node_id} is inside the iteration or loop {node.container_id}; "
            "it cannot run alone (run the workflow instead).",
            field="node_id",
        )
    if node.node_type in NOT_RUNNABLE_ALONE:
        raise InputError(f"Node {node_id} ({node.node_type}) cannot run as a single step.", field="node_id")
    return node


def _selector_of(key: str, node_id: str, named: dict[str, tuple[str, ...]]) -> tuple[str, ...]:
    # Dify also accepts its mapping's full key, with the node's own id in front: "<node>.#a.b#", "<node>.x".
    rest = key.removeprefix(f"{node_id}.")
    if rest != key and (rest in named or rest.startswith("#")):
        key = rest
    if key in named:
        return named[key]
    text = key[1:-1] if len(key) > 2 and key.startswith("#") and key.endswith("#") else key
    parts = tuple(text.split("."))
    if len(parts) < 2 or not all(parts):
        raise InputError(
            f"Input {key!r} names no variable: use '#node_id.variable#' (e.g. '#1711528708197.text#'), "
            "'sys.query', or the name of one of the node's input variables.",
            field=key,
        )
    return parts


def seeded_variables(
    app: AppDefinition, node_id: str, user_inputs: Mapping[str, Any]
) -> dict[str, dict[str, Any]]:
    """``{owner: {name: value}}`` from single-step inputs (see the module docstring for the keys).

    Raises ``InputError`` for a node that cannot run alone or a key that names no variable.
    """
    named = _named_inputs(_runnable_alone(app, node_id))
    pool: dict[str, dict[str, Any]] = {}
    for key, value in user_inputs.items():
        owner, name, *path = _selector_of(str(key), node_id, named)
        if not path:
            pool.setdefault(owner, {})[name] = value
            continue
        # A deeper selector gives one key of an object value: build the object around it.
        target = pool.setdefault(owner, {}).setdefault(name, {})
        for part in path[:-1]:
            target = target.setdefault(part, {}) if isinstance(target, dict) else {}
        if isinstance(target, dict):
            target[path[-1]] = value
    return pool


def _one_node_dsl(app: AppDefinition, node: Node) -> str:
    """The app's export with only its start node and ``node`` in the graph, and no edges."""
    doc = dict(app.raw)
    workflow = dict(doc.get("workflow") or {})
    graph = dict(workflow.get("graph") or {})
    start = app.start_node()
    keep = {node.id} | ({start.id} if start is not None else set())
    graph["nodes"] = [n for n in graph.get("nodes") or [] if isinstance(n, dict) and str(n.get("id")) in keep]
    graph["edges"] = []
    workflow["graph"] = graph
    doc["workflow"] = workflow
    # JSON is YAML: the cut-down app round-trips through parse_app as the run's DSL.
    return json.dumps(doc, ensure_ascii=False, sort_keys=True, default=str)


def _seed(variables: dict[str, dict[str, Any]], seeds: Mapping[str, Mapping[str, Any]]) -> None:
    for owner, values in seeds.items():
        variables.setdefault(str(owner), {}).update(values)


def plan_single_node(event: RunRequested) -> tuple[RuntimeGraph, RunState]:
    """The one-node graph and initial state of ``event``'s single-step run.

    Raises ``DslError`` for an app that cannot run, ``InputError`` for a node that cannot run alone
    or a variable it reads that neither the inputs nor the run's sys/env/conversation values give.
    """
    assert event.single_node is not None
    app = parse_app(event.dsl)
    if not app.is_runnable:
        raise DslError(f"app mode {app.mode!r} is not a workflow app")
    node = _runnable_alone(app, event.single_node.node_id)
    one = parse_app(_one_node_dsl(app, node))
    state = initial_state(event, one)
    state.dsl = one.source
    state.inputs = dict(event.inputs)
    _seed(state.variables, event.single_node.variables)
    missing = [s for s in read_selectors(node) if not has_value(state.variables, s[:2])]
    if missing:
        keys = ", ".join(f"'#{'.'.join(s[:2])}#'" for s in missing)
        raise InputError(f"Node {node.id} reads variables that have no value: give {keys} in inputs.")
    return runtime_graph(one), state


def start_single_node(
    make_step: Callable[[RunState, RuntimeGraph | None, float], StepCore], event: RunRequested
) -> tuple[RunState, list[Command]]:
    """The first step of a single-step run: its node starts (or the run fails, saying why)."""
    assert event.single_node is not None
    try:
        graph, state = plan_single_node(event)
    except (DslError, InputError) as exc:
        state = initial_state(event, None)
        state.inputs = dict(event.inputs)
        state.applied_event_ids[event.event_id] = True
        failed = make_step(state, None, event.now)
        failed.emit("workflow_started", workflow_started(state))
        failed.finish("failed", exc.message)
        return state, failed.commands
    state.applied_event_ids[event.event_id] = True
    step = make_step(state, graph, event.now)
    step.emit("workflow_started", workflow_started(state))
    step.enqueue("", event.single_node.node_id, None)
    step.pump()
    return state, step.commands
