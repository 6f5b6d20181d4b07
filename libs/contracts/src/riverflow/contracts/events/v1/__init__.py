"""Bus events, version 1. Evolve by adding optional fields only."""

from riverflow.contracts.events.v1.run_event_messages import (
    RunEventMessage,
    decode_run_events,
    encode_run_events,
)
from riverflow.contracts.events.v1.runs import (
    ChunkRelay,
    HumanInputSubmitted,
    NodeTaskChunk,
    NodeTaskRequested,
    NodeTaskResult,
    RunEvent,
    RunInboxEvent,
    RunRequested,
    RunResumeRequested,
    RunStopRequested,
    parse_inbox_event,
)
from riverflow.contracts.events.v1.single_node import SingleNodeRun

__all__ = [
    "ChunkRelay",
    "HumanInputSubmitted",
    "NodeTaskChunk",
    "NodeTaskRequested",
    "NodeTaskResult",
    "RunEvent",
    "RunEventMessage",
    "RunInboxEvent",
    "RunRequested",
    "RunResumeRequested",
    "RunStopRequested",
    "SingleNodeRun",
    "decode_run_events",
    "encode_run_events",
    "parse_inbox_event",
]
