"""Runs outlive their clients and obey stop requests: over real HTTP (uvicorn), a disconnected
stream's run still finishes and is recorded; a stop route ends the run ``stopped``."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.gateway.records import RunQuery

from .conftest import succeeded

SLOW = "slow_model_workflow.yml"


class Gate:
    """The model's stand-in: holds every node task until released."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.started = asyncio.Event()

    async def __call__(self, task: NodeTaskRequested) -> NodeTaskResult:
        self.started.set()
        await self.release.wait()
        return succeeded(task, {"text": "late answer"}, usage={"total_tokens": 3})


@pytest.fixture
def gate() -> Gate:
    return Gate()


@pytest.fixture
def task_executor(gate):
    return gate


async def _first_frame(lines) -> dict:
    async for line in lines:
        if line.startswith("data: "):
            return json.loads(line[len("data: ") :])
    raise AssertionError("no frame")


async def _status(client: httpx.AsyncClient, key: str, run_id: str, want: str) -> dict:
    for _ in range(200):
        detail = (
            await client.get(f"/v1/workflows/run/{run_id}", headers={"Authorization": f"Bearer {key}"})
        ).json()
        if detail["status"] == want:
            return detail
        await asyncio.sleep(0.05)
    raise AssertionError(f"run {run_id} is {detail['status']}, never {want}")


async def test_a_disconnected_client_does_not_stop_or_lose_the_run(gateway, gate) -> None:
    app = await gateway.import_app(SLOW)
    key = app["api_key"]
    body = {"inputs": {"topic": "rivers"}, "response_mode": "streaming", "user": "u1"}
    async with gateway.served() as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        async with client.stream(
            "POST", "/v1/workflows/run", json=body, headers=gateway.auth(key)
        ) as response:
            first = await _first_frame(response.aiter_lines())
            await asyncio.wait_for(gate.started.wait(), 5)
        # The client is gone; the model answers afterwards.
        gate.release.set()
        detail = await _status(client, key, first["workflow_run_id"], "succeeded")
    assert detail["outputs"] == {"text": "late answer"} and detail["total_tokens"] == 3
    executions = await gateway.app.state.services.store.list_node_executions(first["workflow_run_id"])
    assert [(e.node_id, e.status) for e in executions] == [
        ("start", "succeeded"),
        ("llm", "succeeded"),
        ("end", "succeeded"),
    ]


async def test_stop_route_ends_the_run_stopped(gateway, gate) -> None:
    app = await gateway.import_app(SLOW)
    key = app["api_key"]
    body = {"inputs": {"topic": "rivers"}, "response_mode": "streaming", "user": "u1"}
    async with gateway.served() as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        async with client.stream(
            "POST", "/v1/workflows/run", json=body, headers=gateway.auth(key)
        ) as response:
            lines = response.aiter_lines()
            first = await _first_frame(lines)
            await asyncio.wait_for(gate.started.wait(), 5)
            task_id = first["task_id"]
            wrong_user = await client.post(
                f"/v1/workflows/tasks/{task_id}/stop", json={"user": "u2"}, headers=gateway.auth(key)
            )
            assert wrong_user.json() == {"result": "success"}  # Dify answers success; the run goes on
            no_user = await client.post(
                f"/v1/workflows/tasks/{task_id}/stop", json={}, headers=gateway.auth(key)
            )
            assert no_user.status_code == 400
            stopped = await client.post(
                f"/v1/workflows/tasks/{task_id}/stop", json={"user": "u1"}, headers=gateway.auth(key)
            )
            assert stopped.status_code == 200 and stopped.json() == {"result": "success"}
            frames = [json.loads(line[6:]) async for line in lines if line.startswith("data: ")]
        assert frames[-1]["event"] == "workflow_finished" and frames[-1]["data"]["status"] == "stopped"
        detail = await _status(client, key, first["workflow_run_id"], "stopped")
        assert detail["finished_at"] is not None
        unknown = await client.post(
            "/v1/workflows/tasks/nope/stop", json={"user": "u1"}, headers=gateway.auth(key)
        )
        assert unknown.json() == {"result": "success"}


async def test_chat_stop_route_stops_a_chat_reply(gateway, gate) -> None:
    app = await gateway.import_app("assistant_chat.yml")
    key = app["api_key"]
    body = {"query": "hi", "inputs": {"team": "x"}, "response_mode": "streaming", "user": "u1"}
    run = asyncio.create_task(gateway.client.post("/v1/chat-messages", json=body, headers=gateway.auth(key)))
    await asyncio.wait_for(gate.started.wait(), 5)
    store = gateway.app.state.services.store
    (run_record,), _ = await store.list_runs(app["id"], RunQuery())
    stopped = await gateway.client.post(
        f"/v1/chat-messages/{run_record.task_id}/stop", json={"user": "u1"}, headers=gateway.auth(key)
    )
    assert stopped.json() == {"result": "success"}
    frames = [f for f in gateway.parse_sse((await asyncio.wait_for(run, 10)).text) if not f.get("_ping")]
    assert frames[-1]["event"] == "message_end"  # a stopped reply still closes with message_end
    assert (await store.get_run_any(run_record.id)).status == "stopped"
