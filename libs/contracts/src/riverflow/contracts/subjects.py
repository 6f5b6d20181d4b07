"""NATS subject and JetStream stream names: the bus contract, versioned as ``rf.v1.*``.

Streams (all file-backed; see ARCHITECTURE.md for retention and the idempotency design):

- ``RF_RUN_INBOX`` (work queue): everything that can move a run forward — run requests, node task
  results, stop requests — on ``rf.v1.runs.inbox.<run_id>``. The orchestrator consumes it.
- ``RF_RUN_LOG`` (limits): the run's event log, ``rf.v1.runs.log.<run_id>``. Appended by the
  orchestrator with optimistic concurrency; a run's state is rebuilt by folding it.
- ``RF_RUN_EVENTS`` (limits): client-facing run events (Dify's stream events),
  ``rf.v1.runs.events.<run_id>``, one or a step's several per message (``run_event_messages``).
  The gateway relays them as SSE. The same stream keeps
  ``rf.v1.runs.chunks.<run_id>``: streamed chunks a node task relays straight to the client
  (``NodeTaskRequested.relay``), read in one ordered stream with the run's events; the run
  recorder does not read them.
- ``RF_NODE_TASKS`` (work queue): node work for other services, ``rf.v1.tasks.<service>.<node_type>``.

Core NATS (not stored): ``rf.v1.runs.recorded.<run_id>``, a gateway replica's notice that it wrote a
run's end to the database, so a request waiting on another replica can answer (read-your-writes);
``rf.v1.gateway.grants.changed``, a gateway process's notice that a key, app or published version
changed, so every gateway process drops the key checks it remembers.
"""

from __future__ import annotations

__all__ = [
    "RUN_INBOX_STREAM",
    "RUN_LOG_STREAM",
    "RUN_EVENTS_STREAM",
    "NODE_TASKS_STREAM",
    "RUN_INBOX_ALL",
    "RUN_LOG_ALL",
    "RUN_EVENTS_ALL",
    "RUN_CHUNKS_ALL",
    "NODE_TASKS_ALL",
    "ORCHESTRATOR_DURABLE",
    "run_inbox",
    "run_log",
    "run_events",
    "run_chunks",
    "node_task",
    "RUN_RECORDED_ALL",
    "run_recorded",
    "GRANTS_CHANGED",
]

RUN_INBOX_STREAM = "RF_RUN_INBOX"
RUN_LOG_STREAM = "RF_RUN_LOG"
RUN_EVENTS_STREAM = "RF_RUN_EVENTS"
NODE_TASKS_STREAM = "RF_NODE_TASKS"

RUN_INBOX_ALL = "rf.v1.runs.inbox.>"
RUN_LOG_ALL = "rf.v1.runs.log.>"
RUN_EVENTS_ALL = "rf.v1.runs.events.>"
RUN_CHUNKS_ALL = "rf.v1.runs.chunks.>"
NODE_TASKS_ALL = "rf.v1.tasks.>"
RUN_RECORDED_ALL = "rf.v1.runs.recorded.*"
GRANTS_CHANGED = "rf.v1.gateway.grants.changed"

#: Durable pull consumer shared by every orchestrator replica (replicas split the work).
ORCHESTRATOR_DURABLE = "orchestrator"


def run_inbox(run_id: str) -> str:
    """Subject for events that advance ``run_id`` (requests, node results, stops)."""
    return f"rf.v1.runs.inbox.{run_id}"


def run_log(run_id: str) -> str:
    """Subject of ``run_id``'s event log."""
    return f"rf.v1.runs.log.{run_id}"


def run_events(run_id: str) -> str:
    """Subject of ``run_id``'s client-facing events."""
    return f"rf.v1.runs.events.{run_id}"


def run_chunks(run_id: str) -> str:
    """Subject of ``run_id``'s relayed chunks (in ``RF_RUN_EVENTS``, beside its events)."""
    return f"rf.v1.runs.chunks.{run_id}"


def node_task(service: str, node_type: str) -> str:
    """Subject for a node task executed by ``service`` (``agent``, ``rag``, ``orchestrator``)."""
    return f"rf.v1.tasks.{service}.{node_type}"


def run_recorded(run_id: str) -> str:
    """Subject of the notice that ``run_id``'s end was written to the gateway's database."""
    return f"rf.v1.runs.recorded.{run_id}"
