"""How run events travel on ``run_events(run_id)``: a message holds one ``RunEvent`` (a JSON
object) or several consecutive ones (a JSON array, in ``seq`` order).

An orchestrator step that emits many events (a run of pure nodes emits two per node) sends them
in as few messages as the size limit allows: each message costs every reader a delivery, a parse
and an acknowledgement. Readers accept both forms, so a lone object from an earlier publisher
still reads. Each message's ``Nats-Msg-Id`` names the events it holds, so a step re-published
after a crash is dropped by JetStream's duplicate window.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import TypeAdapter
from riverflow.contracts.events.v1.runs import RunEvent

__all__ = ["RunEventMessage", "decode_run_events", "encode_run_events"]

_MANY = TypeAdapter(list[RunEvent])


@dataclass(frozen=True, slots=True)
class RunEventMessage:
    """One message's body and its de-duplication id."""

    msg_id: str
    data: bytes


def encode_run_events(events: list[RunEvent], max_bytes: int) -> list[RunEventMessage]:
    """``events`` (one run's, consecutive) packed into messages of at most ``max_bytes`` each;
    an event larger than that goes alone, as it would unpacked."""
    messages: list[RunEventMessage] = []
    batch: list[tuple[RunEvent, bytes]] = []
    size = 2  # the array's brackets
    for event in events:
        body = event.model_dump_json().encode()
        if batch and size + len(body) + 1 > max_bytes:
            messages.append(_message(batch))
            batch, size = [], 2
        batch.append((event, body))
        size += len(body) + 1
    if batch:
        messages.append(_message(batch))
    return messages


def _message(batch: list[tuple[RunEvent, bytes]]) -> RunEventMessage:
    first, body = batch[0]
    if len(batch) == 1:
        return RunEventMessage(f"{first.run_id}:{first.seq}", body)
    last = batch[-1][0]
    # Not ``<run_id>:<first seq>``: a lone event an earlier publisher sent under that id must not
    # make JetStream drop the events after it.
    return RunEventMessage(
        f"{first.run_id}:{first.seq}-{last.seq}", b"[" + b",".join(b for _, b in batch) + b"]"
    )


def decode_run_events(data: bytes) -> list[RunEvent]:
    """A ``run_events`` message's events, in order; ``ValueError`` when it holds none."""
    if data[:1] == b"[":
        events = _MANY.validate_json(data)
        if not events:
            raise ValueError("an empty run event message")
        return events
    return [RunEvent.model_validate_json(data)]
