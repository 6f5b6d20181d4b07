"""Parse and validate Dify DSL exports (YAML) into ``AppDefinition``."""

from __future__ import annotations

import functools
import json
from typing import Any

import yaml
from pydantic import ValidationError
from riverflow.engine.dsl.models import KNOWN_MODES, RUNNABLE_MODES, AppDefinition, Graph
from riverflow.engine.dsl.node_types import KNOWN_NODE_TYPES, ROOT_NODE_TYPES
from riverflow.engine.errors import DslError

__all__ = ["parse_app", "parse_graph", "validate_graph"]

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_app(text: str | bytes) -> AppDefinition:
    """Parse and validate a Dify app export.

    Results are cached by text, because the orchestrator re-parses the DSL on every run; the
    returned object is shared and must not be mutated.

    Raises:
        DslError: the text is not an importable app export, or its graph is invalid.
    """
    if isinstance(text, bytes):
        text = text.decode("utf-8")
    return _parse_cached(text)


@functools.lru_cache(maxsize=256)
def _parse_cached(text: str) -> AppDefinition:
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise DslError(f"invalid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise DslError("DSL must be a YAML mapping")
    return _from_document(doc, text)


def parse_graph(graph: dict[str, Any], *, mode: str = "workflow", name: str = "graph") -> AppDefinition:
    """Wrap a bare ``{nodes, edges}`` graph (Dify Builder fixtures) into a runnable app."""
    if not isinstance(graph, dict) or not isinstance(graph.get("nodes"), list):
        raise DslError("graph must be a mapping with a 'nodes' list", field="nodes")
    doc = {
        "version": "0.1.0",
        "kind": "app",
        "app": {"name": name, "mode": mode},
        "workflow": {"graph": graph},
    }
    # JSON is valid YAML, so the synthetic export round-trips through parse_app (RunRequested.dsl).
    return parse_app(json.dumps(doc, ensure_ascii=False, default=str))


def _from_document(doc: dict[str, Any], text: str) -> AppDefinition:
    kind = doc.get("kind") or "app"
    if kind == "rag_pipeline":
        raise DslError("RAG pipeline DSL (kind: rag_pipeline) cannot be imported as an app", field="kind")
    app = doc.get("app")
    if not isinstance(app, dict):
        if "nodes" in doc or "edges" in doc:
            raise DslError(
                "Missing app data in YAML content: this is a bare nodes/edges graph, not a Dify app "
                "export (an export has 'app: {name, mode}' and 'workflow.graph')",
                field="app",
            )
        raise DslError("Missing app data in YAML content", field="app")
    mode = app.get("mode")
    if not mode:
        raise DslError("Missing app.mode", field="app.mode")
    if mode not in KNOWN_MODES:
        raise DslError(f"unknown app mode {mode!r}", field="app.mode")
    workflow = doc.get("workflow") if isinstance(doc.get("workflow"), dict) else {}
    graph = None
    if mode in RUNNABLE_MODES:
        raw_graph = workflow.get("graph")
        if not isinstance(raw_graph, dict):
            raise DslError("Missing workflow.graph", field="workflow.graph")
        graph = _build_graph(raw_graph)
        validate_graph(graph)
    try:
        return AppDefinition(
            name=str(app.get("name") or ""),
            mode=mode,
            description=str(app.get("description") or ""),
            icon=app.get("icon"),
            icon_type=app.get("icon_type"),
            icon_background=app.get("icon_background"),
            version=str(doc.get("version") or "0.1.0"),
            kind="app",
            graph=graph,
            environment_variables=list(workflow.get("environment_variables") or []),
            conversation_variables=list(workflow.get("conversation_variables") or []),
            features=dict(workflow.get("features") or {}),
            dependencies=list(doc.get("dependencies") or []),
            raw=doc,
            source=text,
        )
    except ValidationError as exc:
        raise DslError(f"invalid app block: {exc.errors()[0]['msg']}", field="app") from exc


def _build_graph(raw: dict[str, Any]) -> Graph:
    nodes_in = raw.get("nodes")
    if not isinstance(nodes_in, list):
        raise DslError("workflow.graph.nodes must be a list", field="workflow.graph.nodes")
    nodes: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, node in enumerate(nodes_in):
        if not isinstance(node, dict) or node.get("id") in (None, ""):
            raise DslError(f"node #{i} has no id", field=f"nodes[{i}].id")
        node_id = str(node["id"])
        # Sticky notes are canvas decoration, not graph content.
        if node.get("type") == "custom-note":
            continue
        data = node.get("data")
        if not isinstance(data, dict) or not data.get("type"):
            raise DslError(f"node {node_id} has no data.type", node_id=node_id, field="data.type")
        node_type = str(data["type"])
        if node_type not in KNOWN_NODE_TYPES:
            raise DslError(
                f"node {node_id} has unknown type {node_type!r}", node_id=node_id, field="data.type"
            )
        if node_id in seen:
            raise DslError(f"duplicate node id {node_id}", node_id=node_id, field="id")
        seen.add(node_id)
        nodes.append({**node, "id": node_id})
    edges: list[dict[str, Any]] = []
    edge_ids: set[str] = set()
    for i, edge in enumerate(raw.get("edges") or []):
        if not isinstance(edge, dict):
            raise DslError(f"edge #{i} is not a mapping", field=f"edges[{i}]")
        source, target = str(edge.get("source", "")), str(edge.get("target", ""))
        handle = str(edge.get("sourceHandle") or "source")
        edge_id = str(edge.get("id") or f"{source}-{handle}-{target}-target")
        for end, value in (("source", source), ("target", target)):
            if value not in seen:
                raise DslError(f"edge {edge_id} has unknown {end} node {value!r}", field=f"edges[{i}].{end}")
        if edge_id in edge_ids:  # keep edge states addressable even if an export repeats an id
            edge_id = f"{edge_id}#{i}"
        edge_ids.add(edge_id)
        edges.append({**edge, "id": edge_id, "source": source, "target": target, "sourceHandle": handle})
    try:
        return Graph.model_validate({**raw, "nodes": nodes, "edges": edges})
    except ValidationError as exc:
        err = exc.errors()[0]
        raise DslError(f"invalid graph: {'.'.join(map(str, err['loc']))}: {err['msg']}") from exc


def validate_graph(graph: Graph) -> None:
    """Check the structural rules the engine relies on (roots, acyclic top level)."""
    top = {n.id for n in graph.nodes if n.container_id is None}
    roots = [n for n in graph.nodes if n.id in top and n.node_type in ROOT_NODE_TYPES]
    starts = [n for n in roots if n.node_type == "start"]
    if not roots:
        raise DslError("workflow has no start node", field="workflow.graph.nodes")
    if len(starts) > 1:
        raise DslError(f"workflow has {len(starts)} start nodes", node_id=starts[1].id, field="data.type")
    adjacency: dict[str, list[str]] = {n: [] for n in top}
    for edge in graph.edges:
        if edge.source in top and edge.target in top:
            adjacency[edge.source].append(edge.target)
    on_cycle = _find_cycle(adjacency)
    if on_cycle is not None:
        raise DslError(f"graph has a cycle through node {on_cycle}", node_id=on_cycle)


def _find_cycle(adjacency: dict[str, list[str]]) -> str | None:
    state: dict[str, int] = {}  # 1 = on stack, 2 = done
    for root in adjacency:
        if root in state:
            continue
        stack = [(root, iter(adjacency[root]))]
        state[root] = 1
        while stack:
            node, children = stack[-1]
            child = next(children, None)
            if child is None:
                state[node] = 2
                stack.pop()
            elif state.get(child) == 1:
                return child
            elif child not in state:
                state[child] = 1
                stack.append((child, iter(adjacency[child])))
    return None
