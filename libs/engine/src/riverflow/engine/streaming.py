"""Response-stream ordering for answer / end nodes (dify-dsl.md §4), over final node outputs."""

from __future__ import annotations

from collections.abc import Callable

from riverflow.engine.graph import RuntimeGraph
from riverflow.engine.state import RunState
from riverflow.engine.templates import to_markdown
from riverflow.engine.variable_pool import MISSING, SYSTEM_NAMESPACES, lookup

__all__ = ["ChunkSink", "activate_sessions", "flush", "drop_session"]

#: Receives ``(text, from_variable_selector)`` for each chunk, in stream order.
ChunkSink = Callable[[str, list[str]], None]


def activate_sessions(state: RunState, graph: RuntimeGraph) -> None:
    """Queue every response node that now has a root path whose blocking edges are all taken.

    Newly active sessions queue in activation order, ties broken by node id.
    """
    stream = state.stream
    newly = []
    for node_id, path_sets in graph.blocking_sets.items():
        if stream.activated.get(node_id) or state.skipped.get(node_id):
            continue
        for path in path_sets:
            if all(state.edges.get(edge_id) == "taken" for edge_id in path):
                newly.append(node_id)
                break
    for node_id in sorted(newly):
        stream.activated[node_id] = True
        stream.queue.append(node_id)


def drop_session(state: RunState, node_id: str) -> None:
    """Forget a queued session whose response node was skipped (its text never streams)."""
    if node_id in state.stream.queue:
        state.stream.queue.remove(node_id)


def _text_selector(graph: RuntimeGraph, node_id: str) -> list[str]:
    # Literal text is attributed to the response node itself.
    return [node_id, "answer"] if graph.nodes[node_id].node_type == "answer" else [node_id, "output"]


def _availability(state: RunState, graph: RuntimeGraph, owner: str) -> str:
    if owner in SYSTEM_NAMESPACES:
        return "ready"
    if owner not in graph.nodes:
        return "drop"  # container-internal or unknown node: never produced at top level
    if state.skipped.get(owner):
        return "drop"
    run = state.nodes.get(owner)
    if run is None or run.status == "running":
        return "wait"
    return "ready" if run.status in ("succeeded", "exception") else "drop"


def flush(state: RunState, graph: RuntimeGraph, sink: ChunkSink) -> None:
    """Emit what the active session(s) can emit now, strictly in template order."""
    stream = state.stream
    while stream.queue:
        node_id = stream.queue[0]
        if state.skipped.get(node_id):
            stream.queue.pop(0)
            continue
        segments = graph.templates[node_id]
        i = stream.cursor.get(node_id, 0)
        while i < len(segments):
            seg = segments[i]
            if seg.selector is None:
                if seg.text:
                    sink(seg.text, _text_selector(graph, node_id))
                i += 1
                continue
            status = _availability(state, graph, seg.selector[0])
            if status == "wait":
                break
            if status == "ready":
                value = lookup(state.variables, seg.selector)
                if value is not MISSING:
                    text = to_markdown(value)
                    if text:
                        attributed = (
                            _text_selector(graph, node_id)
                            if seg.selector[0] in SYSTEM_NAMESPACES
                            else list(seg.selector[:2])
                        )
                        sink(text, attributed)
            i += 1
        stream.cursor[node_id] = i
        if i < len(segments):
            return
        stream.queue.pop(0)
