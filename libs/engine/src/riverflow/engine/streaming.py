"""Response-stream ordering for answer / end nodes (dify-dsl.md §4), per scope.

Streaming producers (an LLM's ``text``) deliver chunks through ``accept_chunk``; the active session
forwards them in template order and never repeats them when the final value arrives.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from riverflow.engine.graph import RuntimeGraph
from riverflow.engine.scopes import Scope
from riverflow.engine.state import StreamBuffer
from riverflow.engine.templates import to_markdown
from riverflow.engine.variable_pool import MISSING, SYSTEM_NAMESPACES, lookup

__all__ = [
    "THOUGHT_FIELD",
    "ChunkSink",
    "accept_chunk",
    "accept_thought",
    "activate_sessions",
    "chunks_missing",
    "drop_session",
    "flush",
    "reset_buffers",
]

#: The chunk field of an agent's steps (``NodeTaskChunk.data``): relayed as ``agent_thought`` events.
THOUGHT_FIELD = "agent_thought"

#: Receives ``(text, from_variable_selector)`` for each chunk, in stream order.
ChunkSink = Callable[[str, list[str]], None]


def activate_sessions(scope: Scope, graph: RuntimeGraph) -> None:
    """Queue every response node that now has a root path whose blocking edges are all taken.

    Newly active sessions queue in activation order, ties broken by node id.
    """
    stream, edges, skipped = scope.stream, scope.edges, scope.skipped
    newly = []
    for node_id, path_sets in graph.blocking_sets.items():
        if node_id in stream.activated or node_id in skipped:
            continue
        for path in path_sets:
            if all(edges.get(edge_id) == "taken" for edge_id in path):
                newly.append(node_id)
                break
    if newly:
        newly.sort()
        for node_id in newly:
            stream.activated[node_id] = True
            stream.queue.append(node_id)


def drop_session(scope: Scope, node_id: str) -> None:
    """Forget a queued session whose response node was skipped (its text never streams)."""
    if node_id in scope.stream.queue:
        scope.stream.queue.remove(node_id)


def reset_buffers(scope: Scope, node_id: str, attempt: int) -> None:
    """A new attempt of ``node_id`` starts: chunks of earlier attempts are stale."""
    prefix = node_id + "."
    for key, buffer in scope.stream.buffers.items():
        if key.startswith(prefix) and buffer.attempt != attempt:
            scope.stream.buffers[key] = StreamBuffer(attempt=attempt)


def accept_chunk(
    scope: Scope, graph: RuntimeGraph, node_id: str, attempt: int, field: str, index: int, text: str
) -> bool:
    """Buffer one streamed chunk if a template of this scope forwards it; False when dropped.

    Chunks are taken in ``index`` order: duplicates are ignored, early ones wait for the gap.
    """
    key = f"{node_id}.{field}"
    if key not in graph.streamed:
        return False
    buffer = scope.stream.buffers.get(key)
    if buffer is None or buffer.attempt != attempt:
        buffer = scope.stream.buffers[key] = StreamBuffer(attempt=attempt)
    if index < buffer.count or str(index) in buffer.early:
        return False
    buffer.early[str(index)] = text
    while str(buffer.count) in buffer.early:
        buffer.queued.append(buffer.early.pop(str(buffer.count)))
        buffer.count += 1
    return True


def accept_thought(scope: Scope, node_id: str, attempt: int, index: int, data: dict[str, Any]) -> list[dict]:
    """Agent steps in ``index`` order (an update never overtakes the step it updates): those due now."""
    key = f"{node_id}.{THOUGHT_FIELD}"
    buffer = scope.stream.buffers.get(key)
    if buffer is None or buffer.attempt != attempt:
        buffer = scope.stream.buffers[key] = StreamBuffer(attempt=attempt)
    if index < buffer.count or str(index) in buffer.early:
        return []
    buffer.early[str(index)] = json.dumps(data, sort_keys=True)
    due = []
    while str(buffer.count) in buffer.early:
        due.append(json.loads(buffer.early.pop(str(buffer.count))))
        buffer.count += 1
    return due


def chunks_missing(
    scope: Scope, graph: RuntimeGraph, node_id: str, attempt: int, counts: Mapping[str, int] | None
) -> bool:
    """True while a chunk that a result promises (``chunk_counts``) was not applied in order yet.

    Only fields this scope relays count: chunks of other fields are dropped on arrival anyway.
    """
    for field, expected in (counts or {}).items():
        if field != THOUGHT_FIELD and f"{node_id}.{field}" not in graph.streamed:
            continue
        buffer = scope.stream.buffers.get(f"{node_id}.{field}")
        if (buffer.count if buffer is not None and buffer.attempt == attempt else 0) < expected:
            return True
    return False


def _text_selector(graph: RuntimeGraph, node_id: str) -> list[str]:
    # Literal text is attributed to the response node itself.
    return [node_id, "answer"] if graph.nodes[node_id].node_type == "answer" else [node_id, "output"]


def _forward(buffer: StreamBuffer, selector: list[str], sink: ChunkSink) -> None:
    for text in buffer.queued:
        sink(text, selector)  # streamed pieces are forwarded as they are, even the empty final one
        buffer.forwarded += text
    buffer.queued = []


def _segment(
    scope: Scope,
    graph: RuntimeGraph,
    pool: Mapping[str, Any],
    selector: tuple[str, ...],
    sink: ChunkSink,
    response_node: str,
) -> bool:
    """Emit what one variable segment can emit now; True when the segment is complete."""
    owner = selector[0]
    if owner in SYSTEM_NAMESPACES or owner not in graph.nodes:
        # Namespaces, and values from enclosing scopes or the container (item, index, loop
        # variables), exist before the frame starts; anything else is never produced here.
        value = lookup(pool, selector)
        if value is not MISSING:
            text = to_markdown(value)
            if text:
                # sys / env values are attributed to the response node; a conversation variable
                # keeps its own selector (Dify's v1-overwrite streaming test checks it).
                attributed = (
                    _text_selector(graph, response_node) if owner in ("sys", "env") else list(selector[:2])
                )
                sink(text, attributed)
        return True
    if owner in scope.skipped:
        return True
    run = scope.nodes.get(owner)
    if run is None:
        return False
    key = ".".join(selector) if len(selector) == 2 else ""
    buffer = scope.stream.buffers.get(key) if key else None
    if run.status in ("running", "paused"):
        if buffer is not None and buffer.attempt == run.attempt and buffer.queued:
            _forward(buffer, list(selector[:2]), sink)
        return False
    if run.status not in ("succeeded", "exception"):
        return True  # failed producer: its segment is dropped
    value = lookup(pool, selector)
    if buffer is not None and buffer.count:
        _forward(buffer, list(selector[:2]), sink)
        if value is not MISSING:
            final = to_markdown(value)
            # The result repeats the whole text: only what was not streamed yet is sent.
            if len(final) > len(buffer.forwarded) and final.startswith(buffer.forwarded):
                sink(final[len(buffer.forwarded) :], list(selector[:2]))
                buffer.forwarded = final
        return True
    if value is not MISSING:
        text = to_markdown(value)
        if text:
            sink(text, list(selector[:2]))
    return True


def flush(scope: Scope, graph: RuntimeGraph, pool: Mapping[str, Any], sink: ChunkSink) -> None:
    """Emit what the active session(s) can emit now, strictly in template order."""
    stream = scope.stream
    while stream.queue:
        node_id = stream.queue[0]
        if node_id in scope.skipped:
            stream.queue.pop(0)
            continue
        segments = graph.templates[node_id]
        i = stream.cursor.get(node_id, 0)
        while i < len(segments):
            seg = segments[i]
            if seg.selector is None:
                if seg.text:
                    sink(seg.text, _text_selector(graph, node_id))
            elif not _segment(scope, graph, pool, seg.selector, sink, node_id):
                break
            i += 1
        stream.cursor[node_id] = i
        if i < len(segments):
            return
        stream.queue.pop(0)
