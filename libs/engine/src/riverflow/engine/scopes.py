"""Scopes: the run's top level and its frames (iteration items, loop rounds), and their pools."""

from __future__ import annotations

from collections import ChainMap
from typing import Any

from riverflow.engine.state import Frame, RunState

__all__ = [
    "Scope",
    "container_key",
    "frame_id",
    "scope_of",
    "pool_of",
    "owner_dict",
    "frame_tags",
    "is_within",
    "paused_key",
]

#: ``RunState`` (top level) or ``Frame``: both carry variables, nodes, edges, skipped, stream.
Scope = RunState | Frame


def container_key(scope: str, node_id: str) -> str:
    """Key of the container run of ``node_id`` executing in ``scope``."""
    return f"{scope}/{node_id}" if scope else node_id


def frame_id(container: str, index: int) -> str:
    """Id of a container's frame (item / round ``index``); nested ids extend their parent's."""
    return f"{container}#{index}"


def is_within(scope: str, ancestor: str) -> bool:
    """True when ``scope`` is ``ancestor`` or nested inside it."""
    return scope == ancestor or scope.startswith(ancestor + "/")


def paused_key(scope: str, node_id: str) -> str:
    """Key of a paused node in ``RunState.paused``."""
    return f"{scope}|{node_id}"


def scope_of(state: RunState, scope: str) -> Scope:
    """The scope object for ``scope`` ("" = the top level)."""
    return state if not scope else state.frames[scope]


def _chain(state: RunState, scope: str) -> list[dict[str, dict[str, Any]]]:
    maps: list[dict[str, dict[str, Any]]] = []
    while scope:
        frame = state.frames[scope]
        maps.append(frame.variables)
        scope = frame.parent
    maps.append(state.variables)
    return maps


def pool_of(state: RunState, scope: str) -> Any:
    """The variable pool a node in ``scope`` reads: its frame first, then the enclosing scopes.

    A plain dict at the top level (the common case stays cheap), a ``ChainMap`` inside frames.
    """
    if not scope:
        return state.variables
    return ChainMap(*_chain(state, scope))


def owner_dict(state: RunState, scope: str, owner: str) -> dict[str, Any] | None:
    """The nearest scope's ``{name: value}`` dict for ``owner`` (where a write must land)."""
    for variables in _chain(state, scope):
        if owner in variables:
            return variables[owner]
    return None


def frame_tags(state: RunState, scope: str) -> tuple[str | None, str | None, dict[str, Any]]:
    """``(iteration_id, loop_id, execution_metadata)`` for events of nodes running in ``scope``.

    The innermost iteration and the innermost loop are reported, as Dify does.
    """
    iteration_id: str | None = None
    loop_id: str | None = None
    metadata: dict[str, Any] = {}
    while scope:
        frame = state.frames[scope]
        if frame.kind == "iteration" and iteration_id is None:
            iteration_id = frame.container_node
            metadata.update({"iteration_id": iteration_id, "iteration_index": frame.index})
        elif frame.kind == "loop" and loop_id is None:
            loop_id = frame.container_node
            metadata.update({"loop_id": loop_id, "loop_index": frame.index})
        scope = frame.parent
    return iteration_id, loop_id, metadata
