"""What fault tests check in JetStream after a batch: each run's log and its published events.

- The log holds the run's request once and each node result ``(run, node, attempt)`` once: a
  redelivered task or result was never applied twice.
- The events are numbered 1..n with no gap and no repeat: the order a client's SSE stream relays,
  whichever replica produced them.
- ``stream`` is what a client's SSE stream relays: those events and the chunks the agent relayed
  beside them (``run_chunks``), in the stream's order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

import nats
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import (
    NodeTaskResult,
    RunEvent,
    RunRequested,
    decode_run_events,
    parse_inbox_event,
)
from riverflow.runtime.streams import read_subject

__all__ = ["RunRecord", "audit_runs"]


@dataclass
class RunRecord:
    run_id: str
    results: list[NodeTaskResult]
    events: list[RunEvent]
    stream: list[RunEvent]


async def audit_runs(nats_url: str, run_ids: list[str]) -> dict[str, RunRecord]:
    """Read every run's log and events; assert nothing was recorded or published twice."""
    nc = await nats.connect(nats_url)
    records: dict[str, RunRecord] = {}
    try:
        js = nc.jetstream()
        for run_id in run_ids:
            log = [
                parse_inbox_event(m.data or b"")
                for m in await read_subject(js, subjects.RUN_LOG_STREAM, subjects.run_log(run_id))
            ]
            requests = [e for e in log if isinstance(e, RunRequested)]
            assert len(requests) == 1, f"{run_id}: {len(requests)} requests in the log"
            results = [e for e in log if isinstance(e, NodeTaskResult)]
            twice = [
                k for k, n in Counter((r.run_id, r.node_id, r.attempt) for r in results).items() if n > 1
            ]
            assert not twice, f"{run_id}: node results recorded twice: {twice}"
            stored = await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_events(run_id))
            relayed = await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_chunks(run_id))
            events = [e for m in stored for e in decode_run_events(m.data or b"")]
            seqs = [e.seq for e in events]
            assert seqs == list(range(1, len(events) + 1)), f"{run_id}: event seqs {seqs}"
            stream = [
                e
                for m in sorted([*stored, *relayed], key=lambda m: m.seq or 0)
                for e in decode_run_events(m.data or b"")
            ]
            records[run_id] = RunRecord(run_id, results, events, stream)
    finally:
        await nc.close()
    return records
