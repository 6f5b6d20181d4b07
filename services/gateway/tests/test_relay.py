"""SSE relay details: keep-alive pings while a run is quiet, and the blocking wait's timeout."""

from __future__ import annotations

import asyncio

from riverflow.contracts.events.v1 import RunEvent
from riverflow.gateway.relay import sse_stream, wait_terminal
from riverflow.gateway.runs import PING_FRAME


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
