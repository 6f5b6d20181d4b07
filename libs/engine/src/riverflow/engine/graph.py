"""Runtime view of an app's top-level graph: adjacency, root, response templates, blocking edges."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from riverflow.engine.dsl.models import AppDefinition, Edge, Node
from riverflow.engine.dsl.node_types import (
    BRANCH_NODE_TYPES,
    CONTAINER_NODE_TYPES,
    RESPONSE_NODE_TYPES,
    ROOT_NODE_TYPES,
)
from riverflow.engine.templates import Segment, parse_template

__all__ = ["RuntimeGraph", "runtime_graph"]

#: Beyond this many distinct blocking-edge sets per response node we stop collecting paths;
#: activation then waits for one of the collected paths (later, never wrong output).
_MAX_PATH_SETS = 64


@dataclass
class RuntimeGraph:
    """Immutable, shared per app: never mutate after ``runtime_graph`` built it."""

    nodes: dict[str, Node]
    in_edges: dict[str, list[Edge]]
    out_edges: dict[str, list[Edge]]
    root_id: str | None
    other_roots: list[str]
    topo_order: list[str]
    templates: dict[str, list[Segment]] = field(default_factory=dict)
    blocking_sets: dict[str, list[frozenset[str]]] = field(default_factory=dict)
    _data: dict[str, dict[str, Any]] = field(default_factory=dict)

    def node_data(self, node_id: str) -> dict[str, Any]:
        """The node's data block as a plain dict (extras included). Shared: do not mutate."""
        data = self._data.get(node_id)
        if data is None:
            data = self._data[node_id] = self.nodes[node_id].data.model_dump(by_alias=True, exclude_none=True)
        return data


def runtime_graph(app: AppDefinition) -> RuntimeGraph:
    """Build (once per app object) the runtime graph of a runnable app."""
    cached = app._runtime
    if cached is not None:
        return cached
    graph = app.graph
    if graph is None:
        raise ValueError(f"app mode {app.mode!r} has no workflow graph")
    nodes = {n.id: n for n in graph.nodes if n.container_id is None}
    in_edges: dict[str, list[Edge]] = {n: [] for n in nodes}
    out_edges: dict[str, list[Edge]] = {n: [] for n in nodes}
    for edge in graph.edges:
        if edge.source in nodes and edge.target in nodes:
            out_edges[edge.source].append(edge)
            in_edges[edge.target].append(edge)
    roots = [n.id for n in nodes.values() if n.node_type in ROOT_NODE_TYPES]
    root_id = next((r for r in roots if nodes[r].node_type == "start"), roots[0] if roots else None)
    rg = RuntimeGraph(
        nodes=nodes,
        in_edges=in_edges,
        out_edges=out_edges,
        root_id=root_id,
        other_roots=[r for r in roots if r != root_id],
        topo_order=_topo_order(nodes, in_edges, out_edges),
    )
    for node_id, node in nodes.items():
        if node.node_type in RESPONSE_NODE_TYPES:
            rg.templates[node_id] = _response_template(node)
            rg.blocking_sets[node_id] = _blocking_sets(rg, node_id)
    app._runtime = rg
    return rg


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
    # An assigner writing a conversation variable the template reads must run first.
    if node_type == "assigner":
        return any(seg.selector and seg.selector[0] == "conversation" for seg in template)
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
