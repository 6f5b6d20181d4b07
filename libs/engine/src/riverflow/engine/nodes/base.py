"""The inline node executor interface."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

__all__ = ["ExecContext", "NodeOutcome", "Executor"]


@dataclass(frozen=True, slots=True)
class ExecContext:
    """What an inline executor may read: its node's data and the variable pool."""

    node_id: str
    data: dict[str, Any]
    pool: dict[str, dict[str, Any]]
    inputs: dict[str, Any]
    system: dict[str, Any]


@dataclass(slots=True)
class NodeOutcome:
    """A succeeded node: outputs, the inputs it read, and which source handle to follow."""

    outputs: dict[str, Any]
    inputs: dict[str, Any] = field(default_factory=dict)
    process_data: dict[str, Any] | None = None
    handle: str = "source"


#: Executors raise ``NodeError`` on failure.
Executor = Callable[[ExecContext], NodeOutcome]
