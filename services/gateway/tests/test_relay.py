"""SSE relay details: keep-alive pings while a run is quiet, and the blocking wait's timeout."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime

from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.relay import sse_stream, wait_terminal
from riverflow.gateway.runs import PING_FRAME, sse_frame


def _event(seq: int, name: str) -> RunEvent:
    return RunEvent(run_id="r", task_id="t", seq=seq, event=name, data={"n": seq}, created_at=0)


async def _slow_events(delay: float):
    yield _event(1, "workflow_started")
    await asyncio.sleep(delay)
    yield _event(2, "workflow_finished")
    yield _event(3, "never_sent")


async def test_pings_while_quiet_and_closes_after_terminal() -> None:
    frames = [frame async for frame in sse_stream(_slow_events(0.35), ping_interval=0.1)]
    assert frames[0].startswith(b"data: ") and b"workflow_started" in frames[0]
    assert frames[-1].startswith(b"data: ") and b"workflow_finished" in frames[-1]
    pings = frames[1:-1]
    assert len(pings) >= 2 and all(frame == PING_FRAME for frame in pings)
    assert PING_FRAME == b"event: ping\n\n"


async def test_events_that_arrive_together_go_out_in_one_chunk() -> None:
    async def burst():
        yield _event(1, "workflow_started")
        await asyncio.sleep(0.05)
        for seq, name in ((2, "node_started"), (3, "node_finished"), (4, "workflow_finished")):
            yield _event(seq, name)  # ready at once, as a step's events are

    chunks = [chunk async for chunk in sse_stream(burst(), ping_interval=10)]
    assert len(chunks) == 2
    assert chunks[0].count(b"data: ") == 1 and b"workflow_started" in chunks[0]
    assert chunks[1].count(b"data: ") == 3
    assert (
        chunks[1].index(b"node_started")
        < chunks[1].index(b"node_finished")
        < chunks[1].index(b"workflow_finished")
    )


async def test_a_client_going_away_stops_the_reading() -> None:
    closed = asyncio.Event()

    async def endless():
        try:
            yield _event(1, "workflow_started")
            await asyncio.sleep(60)
        finally:
            closed.set()

    stream = sse_stream(endless(), ping_interval=10)
    assert b"workflow_started" in await anext(stream)
    await stream.aclose()
    await asyncio.wait_for(closed.wait(), 1)


async def test_a_failing_reader_fails_the_response() -> None:
    async def broken():
        yield _event(1, "workflow_started")
        raise ConnectionError("bus gone")

    stream = sse_stream(broken(), ping_interval=10)
    assert b"workflow_started" in await anext(stream)
    try:
        await anext(stream)
    except ConnectionError as exc:
        assert str(exc) == "bus gone"
    else:
        raise AssertionError("the reader's error was swallowed")


async def test_a_ping_due_while_a_chunk_was_sent_is_not_skipped() -> None:
    async def quiet_after_one():
        yield _event(1, "workflow_started")
        await asyncio.sleep(1.0)
        yield _event(2, "workflow_finished")

    stream = sse_stream(quiet_after_one(), ping_interval=0.05)
    assert b"workflow_started" in await anext(stream)
    await asyncio.sleep(0.1)  # the client is slow to take the next chunk: a ping falls due meanwhile
    # Sent now, not after the quiet second.
    assert await asyncio.wait_for(anext(stream), 0.5) == PING_FRAME
    rest = [chunk async for chunk in stream]
    assert b"workflow_finished" in rest[-1]


async def test_wait_terminal_times_out() -> None:
    assert await wait_terminal(_slow_events(5), timeout=0.1) is None


async def test_error_events_are_flat_without_task_id() -> None:
    async def events():
        yield RunEvent(
            run_id="r",
            task_id="t",
            seq=1,
            event="error",
            data={"status": 500, "code": "internal_server_error", "message": "x"},
            created_at=0,
        )

    frames = [frame async for frame in sse_stream(events(), ping_interval=10)]
    assert frames == [
        b'data: {"event":"error","workflow_run_id":"r",'
        b'"status":500,"code":"internal_server_error","message":"x"}\n\n'
    ]


def test_settings_from_environment(monkeypatch, tmp_path) -> None:
    from riverflow.gateway.settings import GatewaySettings

    monkeypatch.setenv("GATEWAY_PORT", "6001")
    monkeypatch.setenv("GATEWAY_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("GATEWAY_CONSOLE_TOKEN", "s3cret")
    settings = GatewaySettings()
    assert settings.port == 6001 and settings.host == "127.0.0.1"
    assert settings.resolved_database_url() == f"sqlite+aiosqlite:///{tmp_path.resolve() / 'riverflow.db'}"
    assert "s3cret" not in repr(settings) and settings.console_token.get_secret_value() == "s3cret"
    monkeypatch.setenv("RIVERFLOW_DATABASE_URL", "postgresql+asyncpg://db/x")
    assert GatewaySettings().resolved_database_url() == "postgresql+asyncpg://db/x"


def test_a_frame_is_one_compact_line_of_utf8_json() -> None:
    data = {"text": "Grüße 川\nnext line", "n": 1e-05, "ok": True, "none": None}
    frame = sse_frame({"event": "text_chunk", "data": data})
    assert frame.startswith(b"data: {") and frame.endswith(b"}\n\n")
    body = frame[len(b"data: ") : -2]
    assert b"\n" not in body and b", " not in body and b'": ' not in body  # one line, no spaces
    assert "Grüße 川".encode() in body  # not \\u-escaped, as Dify sends it
    assert json.loads(body) == {"event": "text_chunk", "data": data}


def test_values_json_cannot_hold_are_sent_as_text() -> None:
    body = sse_frame({"at": datetime(2026, 11, 27, 1, 2, 3), "id": uuid.UUID(int=1)})[6:-2]
    assert json.loads(body) == {"at": "2026-11-27T01:02:03", "id": "00000000-0000-0000-0000-000000000001"}
