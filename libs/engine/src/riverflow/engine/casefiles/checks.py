"""Case-file expectations checked against a run's outcome (cases/README.md of the corpus).

- ``expected_outputs``: the run's final outputs, exactly.
- ``expected_answer``: the concatenated stream chunks, or the chatflow answer.
- ``expected_stream_order`` starting with ``GraphRunStartedEvent``: the exact event-class sequence.
  Variable-updated events are left out on both sides: they are not part of Dify's client stream
  and Dify's own tests disagree between revisions on whether they are listed.
- otherwise: graph-run entries must be the final event class; chunk entries constrain the
  streamed text in order (chunk boundaries are not compared, an entry without ``chunk`` matches any
  text); other entries must appear in order.
"""

from __future__ import annotations

import re
from typing import Any

from riverflow.contracts.events.v1 import RunEvent
from riverflow.engine.driver import RunOutcome

__all__ = ["event_classes", "event_class", "check_outcome", "IGNORED_CLASSES"]

IGNORED_CLASSES = frozenset({"NodeRunVariableUpdatedEvent"})
_CHUNK = "NodeRunStreamChunkEvent"

_SIMPLE = {
    "workflow_started": "GraphRunStartedEvent",
    "workflow_paused": "GraphRunPausedEvent",
    "node_started": "NodeRunStartedEvent",
    "node_retry": "NodeRunRetryEvent",
    "text_chunk": _CHUNK,
    "message": _CHUNK,
    "iteration_started": "NodeRunIterationStartedEvent",
    "iteration_next": "NodeRunIterationNextEvent",
    "loop_started": "NodeRunLoopStartedEvent",
    "loop_next": "NodeRunLoopNextEvent",
}
_NODE = {
    "succeeded": "NodeRunSucceededEvent",
    "exception": "NodeRunExceptionEvent",
    "failed": "NodeRunFailedEvent",
}
_RUN = {
    "succeeded": "GraphRunSucceededEvent",
    "partial-succeeded": "GraphRunPartialSucceededEvent",
    "failed": "GraphRunFailedEvent",
    "stopped": "GraphRunAbortedEvent",
}


def event_class(event: RunEvent) -> str | None:
    """The Dify graph-event class a run event stands for (None: no graph-level counterpart)."""
    name = event.event
    if name in _SIMPLE:
        return _SIMPLE[name]
    if name == "node_finished":
        return _NODE.get(str(event.data.get("status")))
    if name == "workflow_finished":
        return _RUN.get(str(event.data.get("status")))
    if name in ("iteration_completed", "loop_completed"):
        kind = "Iteration" if name.startswith("iteration") else "Loop"
        return f"NodeRun{kind}{'Failed' if event.data.get('error') else 'Succeeded'}Event"
    return None


def event_classes(events: list[RunEvent]) -> list[str]:
    return [c for c in (event_class(e) for e in events) if c is not None and c not in IGNORED_CLASSES]


def _chunk_pattern(entries: list[dict[str, Any]]) -> re.Pattern[str]:
    parts = [re.escape(e["chunk"]) if "chunk" in e else "(?:.|\n)*?" for e in entries]
    if entries and "chunk" not in entries[-1]:
        parts[-1] = "(?:.|\n)*"
    return re.compile("".join(parts) + r"\Z")


def _first_difference(expected: list[str], actual: list[str]) -> str:
    for i, (want, got) in enumerate(zip(expected, actual, strict=False)):
        if want != got:
            return f"event #{i + 1}: expected {want}, got {got}"
    return f"expected {len(expected)} events, got {len(actual)}"


def _check_stream(expected: list[dict[str, Any]], outcome: RunOutcome, problems: list[str]) -> None:
    classes = event_classes(outcome.events)
    wanted = [e for e in expected if e.get("event") not in IGNORED_CLASSES]
    if wanted and wanted[0].get("event") == "GraphRunStartedEvent":
        want = [str(e["event"]) for e in wanted]
        if classes != want:
            problems.append(f"event sequence differs ({_first_difference(want, classes)}): got {classes}")
        return
    runs = [e for e in wanted if str(e.get("event", "")).startswith("GraphRun")]
    for entry in runs:
        if not classes or classes[-1] != entry["event"]:
            problems.append(
                f"expected the run to end with {entry['event']}, got {classes[-1] if classes else None}"
            )
        elif classes.count(entry["event"]) != 1:
            problems.append(f"expected exactly one {entry['event']}")
    chunks = [e for e in wanted if e.get("event") == _CHUNK]
    if chunks:
        text = "".join(outcome.chunks)
        if not _chunk_pattern(chunks).match(text):
            listed = [e.get("chunk", "<any>") for e in chunks]
            problems.append(f"streamed text {text!r} does not follow the expected chunks {listed}")
    others = [str(e["event"]) for e in wanted if e not in runs and e not in chunks]
    position = 0
    for name in others:
        try:
            position = classes.index(name, position) + 1
        except ValueError:
            problems.append(f"expected a {name} (in order) among {classes}")
            break


def check_outcome(case: dict[str, Any], outcome: RunOutcome) -> list[str]:
    """Every expectation of ``case`` that ``outcome`` does not meet (empty: the case passes)."""
    problems: list[str] = []
    expected_outputs = case.get("expected_outputs")
    if expected_outputs is not None and outcome.outputs != expected_outputs:
        run = f"run {outcome.status}: {outcome.error}"
        problems.append(f"outputs {outcome.outputs!r} != expected {expected_outputs!r} ({run})")
    expected_answer = case.get("expected_answer")
    if expected_answer is not None and expected_answer not in ("".join(outcome.chunks), outcome.answer):
        problems.append(f"answer/stream {''.join(outcome.chunks)!r} != expected {expected_answer!r}")
    if case.get("expected_stream_order"):
        _check_stream(case["expected_stream_order"], outcome, problems)
    return problems


def asserts_something(case: dict[str, Any]) -> bool:
    """True when the case has at least one expectation."""
    return any(
        case.get(k) not in (None, [], {})
        for k in ("expected_outputs", "expected_answer", "expected_stream_order")
    )
