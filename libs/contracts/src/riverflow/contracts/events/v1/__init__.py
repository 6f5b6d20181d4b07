"""Bus events, version 1. Evolve by adding optional fields only."""

from riverflow.contracts.events.v1.runs import (
    NodeTaskRequested,
    NodeTaskResult,
    RunEvent,
    RunInboxEvent,
    RunRequested,
    RunStopRequested,
    parse_inbox_event,
)

__all__ = [
    "NodeTaskRequested",
    "NodeTaskResult",
    "RunEvent",
    "RunInboxEvent",
    "RunRequested",
    "RunStopRequested",
    "parse_inbox_event",
]
