"""Errors raised by the engine's public API before a run starts."""

from __future__ import annotations

__all__ = ["DslError", "InputError", "NodeError"]


class DslError(Exception):
    """The DSL text is not an importable / runnable Dify app export."""

    code = "invalid_dsl"

    def __init__(self, message: str, node_id: str | None = None, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.node_id = node_id
        self.field = field


class InputError(Exception):
    """User inputs do not satisfy the start node's declarations (HTTP 400 ``invalid_param``)."""

    code = "invalid_param"

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NodeError(Exception):
    """A node failed while executing inside the engine (handled by its error strategy)."""

    def __init__(self, message: str, error_type: str = "NodeError") -> None:
        super().__init__(message)
        self.message = message
        self.error_type = error_type
