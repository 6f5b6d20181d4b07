"""Small graph builders for engine tests (bare ``{nodes, edges}`` dicts)."""

from __future__ import annotations

from typing import Any


def node(node_id: str, node_type: str, parent: str | None = None, **data: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"id": node_id, "data": {"type": node_type, "title": node_id, **data}}
    if parent:
        out["parentId"] = parent
    return out


def edge(source: str, target: str, handle: str = "source") -> dict[str, Any]:
    return {"source": source, "target": target, "sourceHandle": handle}


def end(node_id: str = "end", **outputs: list[str]) -> dict[str, Any]:
    return node(node_id, "end", outputs=[{"variable": k, "value_selector": v} for k, v in outputs.items()])


def iteration(node_id: str, items: list[str], output: list[str], **data: Any) -> list[dict[str, Any]]:
    """An iteration node plus its iteration-start node."""
    return [
        node(
            node_id,
            "iteration",
            iterator_selector=items,
            output_selector=output,
            start_node_id=f"{node_id}start",
            **data,
        ),
        node(f"{node_id}start", "iteration-start", parent=node_id),
    ]


def loop(
    node_id: str, variables: list[dict[str, Any]], breaks: list[dict[str, Any]], **data: Any
) -> list[dict[str, Any]]:
    """A loop node plus its loop-start node."""
    return [
        node(
            node_id,
            "loop",
            loop_variables=variables,
            break_conditions=breaks,
            logical_operator="and",
            start_node_id=f"{node_id}start",
            **{"loop_count": 10, **data},
        ),
        node(f"{node_id}start", "loop-start", parent=node_id),
    ]


def graph(nodes: list[dict[str, Any]], edges: list[dict[str, Any]]) -> dict[str, Any]:
    return {"nodes": nodes, "edges": edges}


def events(outcome: Any, *names: str) -> list[Any]:
    return [e for e in outcome.events if not names or e.event in names]
