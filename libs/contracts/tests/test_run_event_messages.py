"""A step's run events packed into messages, and read back in order."""

from __future__ import annotations

import pytest
from riverflow.contracts.events.v1 import RunEvent, decode_run_events, encode_run_events


def _events(count: int, size: int = 10) -> list[RunEvent]:
    return [
        RunEvent(run_id="r", task_id="t", seq=i, event="node_finished", data={"x": "y" * size}, created_at=0)
        for i in range(1, count + 1)
    ]


def test_a_step_travels_in_one_message_and_reads_back_in_order() -> None:
    events = _events(22)
    [message] = encode_run_events(events, max_bytes=1 << 20)
    assert message.msg_id == "r:1-22"
    assert decode_run_events(message.data) == events


def test_a_lone_event_is_a_plain_run_event_under_its_seq() -> None:
    [event] = _events(1)
    [message] = encode_run_events([event], max_bytes=1 << 20)
    # What a reader of single events (and the duplicate window) saw before steps were packed.
    assert message.msg_id == "r:1"
    assert RunEvent.model_validate_json(message.data) == event
    assert decode_run_events(message.data) == [event]


def test_messages_stay_within_the_size_limit_and_keep_the_order() -> None:
    events = _events(10, size=1000)
    messages = encode_run_events(events, max_bytes=3500)
    assert all(len(m.data) <= 3500 for m in messages)
    assert len(messages) > 1
    assert [e for m in messages for e in decode_run_events(m.data)] == events
    # Ids name consecutive, non-overlapping ranges: a re-sent step repeats exactly these ids.
    assert [m.msg_id for m in messages] == [m.msg_id for m in encode_run_events(events, max_bytes=3500)]
    assert len({m.msg_id for m in messages}) == len(messages)


def test_an_event_larger_than_the_limit_goes_alone() -> None:
    small, big, last = _events(3)
    big = big.model_copy(update={"data": {"x": "y" * 5000}})
    messages = encode_run_events([small, big, last], max_bytes=1000)
    assert [m.msg_id for m in messages] == ["r:1", "r:2", "r:3"]


def test_an_empty_or_malformed_message_is_refused() -> None:
    with pytest.raises(ValueError):
        decode_run_events(b"[]")
    with pytest.raises(ValueError):
        decode_run_events(b'[{"seq": 1}]')
    with pytest.raises(ValueError):
        decode_run_events(b"not json")
