"""Runtime view of an app's graph: adjacency, roots, response templates, blocking edges, bodies."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from riverflow.engine.dsl.models import AppDefinition, Edge, Node
from riverflow.engine.dsl.node_types import (
    BRANCH_NODE_TYPES,
    CONTAINER_NODE_TYPES,
    CONTAINER_START_TYPES,
    RESPONSE_NODE_TYPES,
    ROOT_NODE_TYPES,
)
from riverflow.engine.templates import Segment, parse_template

__all__ = ["RuntimeGraph", "runtime_graph", "assigner_targets"]

#: Beyond this many distinct blocking-edge sets per response node we stop collecting paths;
#: activation then waits for one of the collected paths (later, never wrong output).
_MAX_PATH_SETS = 64


@dataclass
class RuntimeGraph:
    """Immutable, shared per app: never mutate after ``runtime_graph`` built it.

    The top-level graph and each container body (``body(container_id)``) are RuntimeGraphs; they
    share ``all_nodes``, node data and variable types.
    """

    nodes: dict[str, Node]
    in_edges: dict[str, list[Edge]]
    out_edges: dict[str, list[Edge]]
    root_id: str | None
    other_roots: list[str]
    topo_order: list[str]
    all_nodes: dict[str, Node]
    templates: dict[str, list[Segment]] = field(default_factory=dict)
    blocking_sets: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    #: ``"node.field"`` selectors that a response template of this graph forwards as a stream.
    streamed: frozenset[str] = frozenset()
    #: Declared types of writable variables: ``"conversation.x"`` and ``"<loop_id>.<label>"``.
    var_types: dict[str, str] = field(default_factory=dict)
    _edges_all: list[Edge] = field(default_factory=list)
    _data: dict[str, dict[str, Any]] = field(default_factory=dict)
    _json: dict[str, str] = field(default_factory=dict)
    _bodies: dict[str, RuntimeGraph] = field(default_factory=dict)

    def node_data(self, node_id: str) -> dict[str, Any]:
        """A node's data block as a plain dict (extras included). Shared: do not mutate."""
        data = self._data.get(node_id)
        if data is None:
            data = self._data[node_id] = self.all_nodes[node_id].data.model_dump(
                by_alias=True, exclude_none=True
            )
        return data

    def node_data_copy(self, node_id: str) -> dict[str, Any]:
        """A private deep copy of the node's data (for a task), from a cached JSON encoding.

        Decoding JSON is far cheaper than ``copy.deepcopy`` for the large data blocks tool nodes
        carry (parameter schemas), and the DSL came from YAML/JSON, so nothing is lost.
        """
        encoded = self._json.get(node_id)
        if encoded is None:
            encoded = self._json[node_id] = json.dumps(
                self.node_data(node_id), ensure_ascii=False, default=str
            )
        return json.loads(encoded)

    def title(self, node_id: str) -> str:
        """The node's title."""
        return self.all_nodes[node_id].data.title

    def body(self, container_id: str) -> RuntimeGraph:
        """The runtime graph of a container's body (built once, then cached)."""
        body = self._bodies.get(container_id)
        if body is None:
            members = {n.id: n for n in self.all_nodes.values() if n.container_id == container_id}
            start = str(self.node_data(container_id).get("start_node_id") or "")
            if start not in members:
                start = next((n.id for n in members.values() if n.node_type in CONTAINER_START_TYPES), "")
            body = _build(members, self._edges_all, start or None, self)
            self._bodies[container_id] = body
        return body


def runtime_graph(app: AppDefinition) -> RuntimeGraph:
    """Build (once per app object) the runtime graph of a runnable app."""
    cached = app._runtime
    if cached is not None:
        return cached
    graph = app.graph
    if graph is None:
        raise ValueError(f"app mode {app.mode!r} has no workflow graph")
    all_nodes = {n.id: n for n in graph.nodes}
    nodes = {n.id: n for n in graph.nodes if n.container_id is None}
    roots = [n.id for n in nodes.values() if n.node_type in ROOT_NODE_TYPES]
    root_id = next((r for r in roots if nodes[r].node_type == "start"), roots[0] if roots else None)
    rg = RuntimeGraph(
        nodes=nodes,
        in_edges={},
        out_edges={},
        root_id=None,
        other_roots=[],
        topo_order=[],
        all_nodes=all_nodes,
    )
    rg._edges_all = list(graph.edges)
    rg.var_types = _var_types(app, all_nodes)
    top = _build(nodes, rg._edges_all, root_id, rg)
    top.other_roots = [r for r in roots if r != root_id]
    app._runtime = top
    return top


def _build(
    nodes: dict[str, Node], edges: list[Edge], root_id: str | None, shared: RuntimeGraph
) -> RuntimeGraph:
    in_edges: dict[str, list[Edge]] = {n: [] for n in nodes}
    out_edges: dict[str, list[Edge]] = {n: [] for n in nodes}
    for edge in edges:
        if edge.source in nodes and edge.target in nodes:
            out_edges[edge.source].append(edge)
            in_edges[edge.target].append(edge)
    rg = RuntimeGraph(
        nodes=nodes,
        in_edges=in_edges,
        out_edges=out_edges,
        root_id=root_id,
        other_roots=[],
        topo_order=_topo_order(nodes, in_edges, out_edges),
        all_nodes=shared.all_nodes,
        var_types=shared.var_types,
        _edges_all=shared._edges_all,
        _data=shared._data,
        _json=shared._json,
        _bodies=shared._bodies,
    )
    streamed: set[str] = set()
    for node_id, node in nodes.items():
        if node.node_type in RESPONSE_NODE_TYPES:
            rg.templates[node_id] = _response_template(node)
            rg.blocking_sets[node_id] = _blocking_sets(rg, node_id)
            streamed.update(
                ".".join(s.selector) for s in rg.templates[node_id] if s.selector and len(s.selector) == 2
            )
    rg.streamed = frozenset(streamed)
    return rg


def _var_types(app: AppDefinition, all_nodes: dict[str, Node]) -> dict[str, str]:
    types = {
        f"conversation.{v['name']}": str(v.get("value_type") or "")
        for v in app.conversation_variables
        if isinstance(v, dict) and v.get("name")
    }
    for node in all_nodes.values():
        if node.node_type == "loop":
            for var in (node.data.model_extra or {}).get("loop_variables") or []:
                if isinstance(var, dict) and var.get("label"):
                    types[f"{node.id}.{var['label']}"] = str(var.get("var_type") or "")
    return types


def _response_template(node: Node) -> list[Segment]:
    extra = node.data.model_extra or {}
    if node.node_type == "answer":
        return parse_template(str(extra.get("answer") or ""))
    segments: list[Segment] = []
    for output in extra.get("outputs") or []:
        selector = output.get("value_selector") if isinstance(output, dict) else None
        if not selector:
            continue
        if segments:
            segments.append(Segment(text="\n"))
        segments.append(Segment(selector=tuple(str(s) for s in selector)))
    return segments


def _topo_order(
    nodes: dict[str, Node], in_edges: dict[str, list[Edge]], out_edges: dict[str, list[Edge]]
) -> list[str]:
    indegree = {n: len(in_edges[n]) for n in nodes}
    ready = [n for n in nodes if indegree[n] == 0]
    order: list[str] = []
    while ready:
        current = ready.pop(0)
        order.append(current)
        for edge in out_edges[current]:
            indegree[edge.target] -= 1
            if indegree[edge.target] == 0:
                ready.append(edge.target)
    return order


def assigner_targets(data: dict[str, Any]) -> list[tuple[str, ...]]:
    """The selectors an assigner node writes (v1 ``assigned_variable_selector``, v2 ``items``)."""
    if str(data.get("version") or "1") == "2":
        selectors = [
            item.get("variable_selector") for item in data.get("items") or [] if isinstance(item, dict)
        ]
    else:
        selectors = [data.get("assigned_variable_selector")]
    return [tuple(str(s) for s in sel) for sel in selectors if isinstance(sel, list) and sel]


def _is_blocking(rg: RuntimeGraph, edge: Edge, template: list[Segment]) -> bool:
    source = rg.nodes[edge.source]
    node_type = source.node_type
    if (
        node_type in BRANCH_NODE_TYPES
        or node_type in CONTAINER_NODE_TYPES
        or node_type in RESPONSE_NODE_TYPES
    ):
        return True
    if source.data.error_strategy == "fail-branch":
        return True
    # An assigner writing a variable the template reads must run first (conversation or loop
    # variables): the segment must show the value after the write.
    if node_type == "assigner":
        targets = assigner_targets(rg.node_data(edge.source))
        return any(
            seg.selector and seg.selector[: len(target)] == target for seg in template for target in targets
        )
    return False


def _blocking_sets(rg: RuntimeGraph, target: str) -> list[frozenset[str]]:
    """Distinct sets of blocking edge ids over all root→target paths."""
    if rg.root_id is None:
        return []
    template = rg.templates[target]
    sets: dict[str, list[frozenset[str]]] = {rg.root_id: [frozenset()]}
    for node_id in rg.topo_order:
        current = sets.get(node_id)
        if not current:
            continue
        for edge in rg.out_edges[node_id]:
            blocking = _is_blocking(rg, edge, template)
            bucket = sets.setdefault(edge.target, [])
            for path in current:
                extended = path | {edge.id} if blocking else path
                if extended not in bucket and len(bucket) < _MAX_PATH_SETS:
                    bucket.append(extended)
    return sets.get(target, [])
