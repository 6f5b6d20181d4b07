"""Bus events, version 1. Evolve by adding optional fields only."""

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
    "RunInboxEvent",
    "RunRequested",
    "RunResumeRequested",
    "RunStopRequested",
    "SingleNodeRun",
    "parse_inbox_event",
]
