"""RunState: everything ``advance`` needs to continue a run, as plain JSON-able data."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

__all__ = [
    "ContainerRun",
    "Frame",
    "NodeRun",
    "NodeStatus",
    "RunState",
    "RunStatus",
    "StreamBuffer",
    "StreamState",
    "TaskRef",
    "TERMINAL_STATUSES",
]

RunStatus = Literal["running", "paused", "succeeded", "failed", "partial-succeeded", "stopped"]
NodeStatus = Literal["running", "paused", "succeeded", "failed", "exception", "skipped"]
TERMINAL_STATUSES = frozenset({"succeeded", "failed", "partial-succeeded", "stopped"})


class NodeRun(BaseModel):
    """One node's execution in one scope (latest attempt)."""

    node_id: str
    node_type: str
    status: NodeStatus = "running"
    attempt: int = 1
    #: The attempt this execution began with: 1, or past the old attempts after a resume, so
    #: idempotency keys stay unique while the retry budget counts from here.
    first_attempt: int = 1
    execution_id: str
    index: int
    predecessor_node_id: str | None = None
    started_at: float
    inputs: dict[str, Any] = Field(default_factory=dict)
    error: str | None = None


class StreamBuffer(BaseModel):
    """Streamed chunks of one ``[node, field]`` for the running attempt."""

    attempt: int = 1
    count: int = 0  # chunks accepted so far (the next expected index)
    queued: list[str] = Field(default_factory=list)  # accepted, not yet forwarded
    early: dict[str, str] = Field(default_factory=dict)  # index -> chunk that arrived ahead of a gap
    forwarded: str = ""  # text already sent to the client


class StreamState(BaseModel):
    """Response-stream sessions of one scope (dify-dsl.md §4): queue[0] is the active one."""

    queue: list[str] = Field(default_factory=list)
    activated: dict[str, bool] = Field(default_factory=dict)
    cursor: dict[str, int] = Field(default_factory=dict)
    #: ``"node.field"`` -> chunks of a streaming producer that a template of this scope reads.
    buffers: dict[str, StreamBuffer] = Field(default_factory=dict)


class Frame(BaseModel):
    """One iteration item or loop round: a child scope running a container's body."""

    id: str
    parent: str  # the scope the container node runs in ("" = the run's top level)
    container: str  # the container's key (``ContainerRun`` key)
    container_node: str
    kind: Literal["iteration", "loop"]
    index: int
    started_at: float
    #: Only what this frame produced; lookups fall through to the parent scopes.
    variables: dict[str, dict[str, Any]] = Field(default_factory=dict)
    nodes: dict[str, NodeRun] = Field(default_factory=dict)
    edges: dict[str, Literal["taken", "skipped"]] = Field(default_factory=dict)
    skipped: dict[str, bool] = Field(default_factory=dict)
    stream: StreamState = Field(default_factory=StreamState)
    reached_break: bool = False


class ContainerRun(BaseModel):
    """The progress of one running iteration or loop node."""

    node_id: str
    scope: str
    kind: Literal["iteration", "loop"]
    started_at: float
    inputs: dict[str, Any] = Field(default_factory=dict)
    items: list[Any] = Field(default_factory=list)
    outputs: dict[str, Any] = Field(default_factory=dict)  # iteration: str(index) -> value; loop: outputs
    scheduled: int = 0
    completed: int = 0
    parallel: int = 1
    error_handle_mode: str = "terminated"
    flatten: bool = True
    loop_count: int = 0
    frames: list[str] = Field(default_factory=list)


class TaskRef(BaseModel):
    """A dispatched node task the run waits for (keyed by its idempotency key)."""

    scope: str
    node_id: str
    attempt: int
    #: Fields whose chunks the task relays straight to the run's stream (``relaying``).
    relayed: list[str] = Field(default_factory=list)


class RunState(BaseModel):
    """The state of one run, rebuilt by folding its inbox events through ``advance``.

    ``variables``, ``nodes``, ``edges``, ``skipped`` and ``stream`` belong to the top-level
    scope; iteration items and loop rounds keep theirs in ``frames``.
    """

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
    frames: dict[str, Frame] = Field(default_factory=dict)
    containers: dict[str, ContainerRun] = Field(default_factory=dict)
    tasks: dict[str, TaskRef] = Field(default_factory=dict)
    #: ``"<scope>|<node_id>"`` of human-input nodes waiting for a submission.
    paused: dict[str, bool] = Field(default_factory=dict)
    #: Results that overtook chunks they promise (``chunk_counts``), by task key, until those arrive.
    parked: dict[str, dict[str, Any]] = Field(default_factory=dict)

    @property
    def finished(self) -> bool:
        """True once ``workflow_finished`` was emitted (a paused run is not finished)."""
        return self.status in TERMINAL_STATUSES

    @property
    def answer(self) -> str:
        """Chatflow answer: executed answer nodes' outputs concatenated in completion order."""
        return "".join(self.answers)

    @property
    def conversation_variables(self) -> dict[str, Any]:
        """Current values of the conversation variables (to persist per conversation)."""
        return dict(self.variables.get("conversation") or {})
