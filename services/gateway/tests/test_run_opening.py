"""A new graph run's ``workflow_started`` streams once the run is accepted, before any engine has
taken the run up; it is the very event the engine logs first, and the client gets it once."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
import pytest
from riverflow.contracts.events.v1 import RunRequested
from riverflow.gateway.reply_stream import ReplyContext, ReplyStream

PASSTHROUGH = "simple_passthrough_workflow.yml"
GREETING = "greeting_chatflow.yml"


def _held(gateway) -> tuple[list[RunRequested], Any]:
    """Runs published from now on wait, accepted but not driven, until ``release`` drives them."""
    held: list[RunRequested] = []
    publish = gateway.bus.publish_run

    async def hold(request: RunRequested) -> None:
        held.append(request)

    async def release() -> None:
        for request in held:
            await publish(request)

    gateway.bus.publish_run = hold
    return held, release


async def _frames(lines: Any, count: int) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    async for line in lines:
        if line.startswith("data: "):
            frames.append(json.loads(line[len("data: ") :]))
            if len(frames) == count:
                break
    return frames


async def _logged_first(gateway, run_id: str):  # noqa: ANN202 - a RunEvent
    events = gateway.bus.events(run_id)
    try:
        return await anext(events)
    finally:
        await events.aclose()


@pytest.mark.parametrize(
    ("fixture", "path", "body"),
    [
        (PASSTHROUGH, "/v1/workflows/run", {"inputs": {"query": "hello"}}),
        (GREETING, "/v1/chat-messages", {"inputs": {"name": "Ada"}, "query": "hi"}),
    ],
)
async def test_workflow_started_streams_before_the_run_is_taken_up(gateway, fixture, path, body) -> None:
    app = await gateway.import_app(fixture)
    held, release = _held(gateway)
    payload = {**body, "response_mode": "streaming", "user": "u1"}
    async with gateway.served() as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        headers = gateway.auth(app["api_key"])
        async with client.stream("POST", path, json=payload, headers=headers) as response:
            assert response.status_code == 200
            lines = response.aiter_lines()
            (opening,) = await asyncio.wait_for(_frames(lines, 1), timeout=5)
            # Nothing has run yet: the run is accepted and waits.
            assert len(held) == 1
            request = held[0]
            assert await gateway.bus.last_seq(request.run_id) == 0
            assert opening["event"] == "workflow_started"
            assert (opening["task_id"], opening["workflow_run_id"]) == (request.task_id, request.run_id)
            assert opening["data"]["id"] == request.run_id
            assert opening["data"]["workflow_id"] == app["workflow_id"]
            assert opening["data"]["inputs"] == body["inputs"]
            await release()
            rest = [json.loads(line[6:]) async for line in lines if line.startswith("data: ")]
    names = [frame["event"] for frame in rest]
    assert "workflow_started" not in names  # the log's copy is not sent again
    assert names[-1] == "workflow_finished"
    assert names.count("node_started") == 2
    # The engine logged the same event: the streamed frame is what its copy would have been.
    logged = await _logged_first(gateway, request.run_id)
    assert logged.seq == 1 and logged.event == "workflow_started"
    mode = "workflow" if fixture == PASSTHROUGH else "advanced-chat"
    context = ReplyContext(
        mode, request.task_id, request.run_id, opening.get("message_id"), opening.get("conversation_id")
    )
    (expected,) = ReplyStream(context).translate(logged)
    assert opening == json.loads(json.dumps(expected))
