"""Run events: what moves a workflow run forward, and what clients see of it.

Every inbox event carries an ``event_id`` that is unique per logical fact (the run id for a
request, the idempotency key for a node result). JetStream de-duplicates on it (``Nats-Msg-Id``)
and the orchestrator refuses to apply the same ``event_id`` twice, so redelivery is harmless.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, TypeAdapter
from riverflow.contracts.events.v1.human_input import HumanInputSubmitted
from riverflow.contracts.events.v1.inbox_base import Contract, InboxEventBase
from riverflow.contracts.events.v1.resume import RunResumeRequested
from riverflow.contracts.events.v1.single_node import SingleNodeRun

__all__ = [
    "RunRequested",
    "ChunkRelay",
    "NodeTaskRequested",
    "NodeTaskResult",
    "NodeTaskChunk",
    "RunStopRequested",
    "HumanInputSubmitted",
    "RunResumeRequested",
    "RunInboxEvent",
    "RunEvent",
    "parse_inbox_event",
]


# The shared bases live in ``inbox_base`` so newer inbox event modules can subclass them too.
_Contract = Contract
_InboxEvent = InboxEventBase


class RunRequested(_InboxEvent):
    """A client asked to run a workflow app. Published by the gateway to ``run_inbox(run_id)``."""

    kind: Literal["run_requested"] = "run_requested"
    event_id: str = Field(description="De-duplication id; equals run_id.")
    run_id: str
    task_id: str
    app_id: str
    workspace_id: str = ""
    app_mode: str = "workflow"
    workflow_id: str = Field(description="Id of the app version (published workflow) being run.")
    dsl: str = Field(description="The app version's Dify DSL (YAML), so the run is self-contained.")
    inputs: dict[str, Any] = Field(default_factory=dict)
    user: str = ""
    system: dict[str, Any] = Field(default_factory=dict, description="sys.* values set by the gateway.")
    conversation_variables: dict[str, Any] | None = None
    invoke_from: str = "service-api"
    at: float = Field(description="Unix time (seconds) the request was accepted.")
    single_node: SingleNodeRun | None = Field(
        default=None, description="Run only this node, with these variables (the console's single-step run)."
    )


class ChunkRelay(_Contract):
    """How a task relays one field's chunks straight to the run's stream (``run_chunks(run_id)``).

    The engine sets it when, at dispatch, the field is the segment its response stream is waiting
    on: every chunk would be forwarded as it arrives, so it needs no trip through the run's inbox
    and log. Each chunk becomes ``RunEvent(event, data={**data, text_key: chunk}, seq=seq)``.
    """

    event: str = Field(description="Dify's stream event: 'message' (chat apps) or 'text_chunk'.")
    text_key: str = Field(description="Where the chunk's text goes in ``data`` ('answer' or 'text').")
    data: dict[str, Any] = Field(default_factory=dict, description="The rest of each event's data.")
    seq: int = Field(description="The seq of the run event the chunks follow (de-duplication floor).")
    task_id: str


class NodeTaskRequested(_Contract):
    """The engine asks another service to execute one node (model, tool, retrieval, sandbox...)."""

    run_id: str
    node_id: str
    node_type: str
    attempt: int = 1
    idempotency_key: str = Field(description="'<run_id>:<node_id>:<attempt>'; results carry it back.")
    data: dict[str, Any] = Field(default_factory=dict, description="The node's DSL data block.")
    inputs: dict[str, Any] = Field(default_factory=dict, description="Values resolved by the engine.")
    at: float
    not_before: float | None = Field(default=None, description="Retry backoff: start no earlier.")
    app_id: str = ""
    workspace_id: str = Field(default="", description="Whose provider credentials and tools apply.")
    user: str = ""
    relay: dict[str, ChunkRelay] | None = Field(
        default=None, description="Fields whose chunks go straight to the run's stream, not the inbox."
    )


class NodeTaskResult(_InboxEvent):
    """The outcome of a ``NodeTaskRequested``, published to ``run_inbox(run_id)``."""

    kind: Literal["node_task_result"] = "node_task_result"
    event_id: str = Field(description="Equals the task's idempotency_key.")
    run_id: str
    node_id: str
    attempt: int = 1
    status: Literal["succeeded", "failed"]
    outputs: dict[str, Any] = Field(default_factory=dict)
    process_data: dict[str, Any] | None = None
    metadata: dict[str, Any] = Field(default_factory=dict, description="Usage, cost, latency...")
    error: str | None = None
    error_type: str | None = None
    edge_source_handle: str | None = Field(default=None, description="Branch taken, for branching nodes.")
    at: float
    chunk_counts: dict[str, int] | None = Field(
        default=None,
        description="Chunks published before this result, per field; the engine applies the result "
        "only after them (chunks and results may be processed out of order). None: no promise.",
    )
    streamed: dict[str, str] | None = Field(
        default=None,
        description="Per relayed field (``NodeTaskRequested.relay``), the text its chunks carried: "
        "what the client has already seen of that output.",
    )


class NodeTaskChunk(_InboxEvent):
    """A streamed piece of a node task's output (LLM tokens, tool progress), before its result.

    ``index`` numbers the chunks of one attempt and field from 0, so the engine can drop duplicates
    and keep order; ``field`` is the output it belongs to (``text`` for an LLM's answer,
    ``reasoning_content`` for reasoning) or ``agent_thought`` for an agent step, whose fields
    (Dify's ``agent_thought`` names) are in ``data``. The final ``NodeTaskResult`` still carries the
    whole output.
    """

    kind: Literal["node_task_chunk"] = "node_task_chunk"
    event_id: str = Field(
        description="'<key>:chunk:<index>' for text, else '<key>:chunk:<field>:<index>' (key: the task's)."
    )
    run_id: str
    node_id: str
    attempt: int = 1
    index: int
    field: str = "text"
    chunk: str
    at: float
    data: dict[str, Any] | None = Field(default=None, description="A structured chunk (agent_thought).")


class RunStopRequested(_InboxEvent):
    """A client asked to stop a run."""

    kind: Literal["run_stop_requested"] = "run_stop_requested"
    event_id: str
    run_id: str
    user: str = ""
    at: float


_AnyInboxEvent = (
    RunRequested
    | NodeTaskResult
    | NodeTaskChunk
    | RunStopRequested
    | HumanInputSubmitted
    | RunResumeRequested
)

RunInboxEvent = Annotated[_AnyInboxEvent, Field(discriminator="kind")]

_inbox_adapter: TypeAdapter[_AnyInboxEvent] = TypeAdapter(RunInboxEvent)


def parse_inbox_event(raw: bytes | str) -> _AnyInboxEvent:
    """Parse a JSON inbox message into its event model."""
    return _inbox_adapter.validate_json(raw)


class RunEvent(_Contract):
    """One client-facing run event, in Dify's vocabulary.

    ``event`` is Dify's stream event name (``workflow_started``, ``node_started``, ``text_chunk``,
    ``node_finished``, ``workflow_finished``...) and ``data`` its payload exactly as Dify nests it.
    The gateway adds the envelope (``task_id``, ``workflow_run_id``) per app family. ``seq`` numbers
    a run's events from 1 without gaps, so relays can de-duplicate and detect loss.
    """

    run_id: str
    task_id: str
    seq: int
    event: str
    data: dict[str, Any] = Field(default_factory=dict)
    created_at: int

    @property
    def is_terminal(self) -> bool:
        """True for the event after which a workflow run's stream closes."""
        return self.event in {"workflow_finished", "workflow_paused", "error"}
