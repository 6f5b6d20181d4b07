"""RunState: everything ``advance`` needs to continue a run, as plain JSON-able data."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = ["NodeRun", "StreamState", "RunState", "RunStatus", "NodeStatus"]

RunStatus = Literal["running", "succeeded", "failed", "partial-succeeded", "stopped"]
NodeStatus = Literal["running", "succeeded", "failed", "exception", "skipped"]


class NodeRun(BaseModel):
    """One top-level node's execution (latest attempt)."""

    node_id: str
    node_type: str
    status: NodeStatus = "running"
    attempt: int = 1
    execution_id: str
    index: int
    predecessor_node_id: str | None = None
    started_at: float
    inputs: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class StreamState(BaseModel):
    """Response-stream sessions (dify-dsl.md §4): queue[0] is the active one."""

    queue: list[str] = Field(default_factory=list)
    activated: dict[str, bool] = Field(default_factory=dict)
    cursor: dict[str, int] = Field(default_factory=dict)


class RunState(BaseModel):
    """The state of one run, rebuilt by folding its inbox events through ``advance``."""

    run_id: str
    task_id: str
    app_id: str = ""
    workflow_id: str = ""
    app_mode: str = "workflow"
    dsl: str
    user: str = ""
    message_id: str | None = None
    inputs: dict[str, Any] = Field(default_factory=dict)
    status: RunStatus = "running"
    error: str | None = None
    started_at: float
    finished_at: float | None = None
    seq: int = 0
    steps: int = 0
    total_tokens: int = 0
    exceptions_count: int = 0
    applied_event_ids: dict[str, bool] = Field(default_factory=dict)
    variables: dict[str, dict[str, Any]] = Field(default_factory=dict)
    edges: dict[str, Literal["taken", "skipped"]] = Field(default_factory=dict)
    nodes: dict[str, NodeRun] = Field(default_factory=dict)
    skipped: dict[str, bool] = Field(default_factory=dict)
    stream: StreamState = Field(default_factory=StreamState)
    outputs: dict[str, Any] = Field(default_factory=dict)
    answers: list[str] = Field(default_factory=list)

    @property
    def finished(self) -> bool:
        """True once ``workflow_finished`` was emitted."""
        return self.status != "running"

    @property
    def answer(self) -> str:
        """Chatflow answer: executed answer nodes' outputs concatenated in completion order."""
        return "".join(self.answers)
