"""``riverflow replay RUN_ID``: re-run a recorded run from its event log and report any divergence.

Every model, tool and retrieval result comes from the log (the engine is pure), so the replayed
events must equal the recorded ones exactly; a difference means the engine changed behaviour.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
from dataclasses import dataclass

import nats
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import RunEvent, decode_run_events, parse_inbox_event
from riverflow.engine import RunState, advance
from riverflow.engine.commands import EmitRunEvent
from riverflow.runtime.streams import read_subject

__all__ = ["Divergence", "replay_events", "compare", "register"]


@dataclass(frozen=True, slots=True)
class Divergence:
    """The first place where replay and record disagree."""

    seq: int
    recorded: dict | None
    replayed: dict | None


def replay_events(log: list[bytes]) -> list[RunEvent]:
    """Fold a run's logged inbox events through the engine; return every event it emits."""
    state: RunState | None = None
    emitted: list[RunEvent] = []
    for raw in log:
        state, commands = advance(state, parse_inbox_event(raw))
        emitted.extend(c.event for c in commands if isinstance(c, EmitRunEvent))
    return emitted


def compare(recorded: list[RunEvent], replayed: list[RunEvent]) -> Divergence | None:
    """None when both sequences are identical (event, data and seq), else the first difference."""
    for i in range(max(len(recorded), len(replayed))):
        a = recorded[i].model_dump() if i < len(recorded) else None
        b = replayed[i].model_dump() if i < len(replayed) else None
        if a != b:
            return Divergence(seq=i + 1, recorded=a, replayed=b)
    return None


async def _load(nats_url: str, run_id: str) -> tuple[list[bytes], list[RunEvent]]:
    nc = await nats.connect(nats_url, connect_timeout=5, max_reconnect_attempts=0)
    try:
        js = nc.jetstream()
        log = await read_subject(js, subjects.RUN_LOG_STREAM, subjects.run_log(run_id))
        events = await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_events(run_id))
    finally:
        await nc.close()
    return [m.data or b"" for m in log], [e for m in events for e in decode_run_events(m.data or b"")]


def _replay(args: argparse.Namespace) -> int:
    try:
        log, recorded = asyncio.run(_load(args.nats_url, args.run_id))
    except (OSError, nats.errors.Error) as exc:
        print(f"riverflow replay: cannot read from NATS at {args.nats_url}: {exc}", file=sys.stderr)
        return 2
    if not log:
        print(f"riverflow replay: no event log for run {args.run_id}", file=sys.stderr)
        return 2
    replayed = replay_events(log)
    divergence = compare(recorded, replayed)
    if divergence is None:
        print(f"run {args.run_id}: {len(log)} logged events replayed, {len(replayed)} run events identical")
        return 0
    print(f"run {args.run_id}: DIVERGED at event {divergence.seq}")
    print("  recorded:", json.dumps(divergence.recorded, ensure_ascii=False, default=str))
    print("  replayed:", json.dumps(divergence.replayed, ensure_ascii=False, default=str))
    return 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("replay", help="re-run a recorded run from its log, report divergence")
    parser.add_argument("run_id")
    parser.add_argument("--nats-url", default=os.environ.get("NATS_URL", "nats://127.0.0.1:4333"))
    parser.set_defaults(func=_replay)
