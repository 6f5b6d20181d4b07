"""The inline node executor interface."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ExecContext", "NodeOutcome", "Executor"]


@dataclass(frozen=True, slots=True)
class ExecContext:
    """What an inline executor may read: its node's data and the variable pool."""

    node_id: str
    data: dict[str, Any]
    #: ``{owner: {name: value}}``; inside iterations / loops a read-only chain of scopes.
    pool: Mapping[str, dict[str, Any]]
    inputs: dict[str, Any]
    system: dict[str, Any]
    #: Declared types of writable variables (``"conversation.x"``, ``"<loop_id>.<label>"``).
    var_types: Mapping[str, str] = field(default_factory=dict)


@dataclass(slots=True)
class NodeOutcome:
    """A succeeded node: outputs, the inputs it read, and which source handle to follow."""

    outputs: dict[str, Any]
    inputs: dict[str, Any] = field(default_factory=dict)
    process_data: dict[str, Any] | None = None
    handle: str = "source"
    #: Variable writes (assigner): ``(selector, value)`` applied by the engine in order.
    updates: list[tuple[tuple[str, ...], Any]] = field(default_factory=list)


#: Executors raise ``NodeError`` on failure.
Executor = Callable[[ExecContext], NodeOutcome]
