"""POST /v1/workflows/run (blocking and streaming) and GET /v1/workflows/run/{id}, end to end."""

from __future__ import annotations

import asyncio

import pytest

PASSTHROUGH = "simple_passthrough_workflow.yml"
BRANCHING = "conditional_hello_branching_workflow.yml"


async def _wait_run(gateway, key: str, run_id: str) -> dict:
    for _ in range(100):
        response = await gateway.client.get(
            f"/v1/workflows/run/{run_id}", headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 200, response.text
        if response.json()["status"] != "running":
            return response.json()
        await asyncio.sleep(0.02)
    raise AssertionError("run never finished")


async def test_blocking_passthrough_returns_the_finished_run(gateway) -> None:
    app = await gateway.import_app(PASSTHROUGH)
    response = await gateway.run(
        app["api_key"], {"inputs": {"query": "hello"}, "response_mode": "blocking", "user": "u1"}
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"task_id", "workflow_run_id", "data"}
    data = body["data"]
    assert data["id"] == body["workflow_run_id"]
    assert data["workflow_id"] == app["workflow_id"]
    assert data["status"] == "succeeded"
    assert data["outputs"] == {"query": "hello"}
    assert data["error"] is None
    assert data["total_steps"] == 2
    for key in ("elapsed_time", "total_tokens", "created_at", "finished_at"):
        assert key in data


async def test_missing_response_mode_means_blocking(gateway) -> None:
    app = await gateway.import_app(PASSTHROUGH)
    response = await gateway.run(app["api_key"], {"inputs": {"query": "x"}, "user": "u1"})
    assert response.headers["content-type"].startswith("application/json")
    assert response.json()["data"]["outputs"] == {"query": "x"}


@pytest.mark.parametrize(
    ("query", "outputs"),
    [("well hello there", {"true": "well hello there"}), ("goodbye", {"false": "goodbye"})],
)
async def test_streaming_branching_follows_difys_event_sequence(gateway, query, outputs) -> None:
    app = await gateway.import_app(BRANCHING)
    response = await gateway.run(
        app["api_key"], {"inputs": {"query": query}, "response_mode": "streaming", "user": "u1"}
    )
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/event-stream; charset=utf-8"
    assert response.headers["cache-control"] == "no-cache"
    assert response.headers["x-accel-buffering"] == "no"
    frames = [f for f in gateway.parse_sse(response.text) if not f.get("_ping")]
    events = [f["event"] for f in frames]
    assert events[0] == "workflow_started"
    assert events[-1] == "workflow_finished"
    assert events.count("node_started") == events.count("node_finished") == 3
    assert set(events) <= {
        "workflow_started",
        "node_started",
        "node_finished",
        "text_chunk",
        "workflow_finished",
    }
    run_id, task_id = frames[0]["workflow_run_id"], frames[0]["task_id"]
    for frame in frames:
        assert set(frame) == {"event", "task_id", "workflow_run_id", "data"}
        assert (frame["workflow_run_id"], frame["task_id"]) == (run_id, task_id)
    node_types = [f["data"]["node_type"] for f in frames if f["event"] == "node_started"]
    assert node_types == ["start", "if-else", "end"]
    finished = frames[-1]["data"]
    assert finished["status"] == "succeeded"
    assert finished["outputs"] == outputs
    assert finished["id"] == run_id
    assert finished["workflow_id"] == app["workflow_id"]
    stored = await _wait_run(gateway, app["api_key"], run_id)
    assert stored["outputs"] == outputs and stored["status"] == "succeeded"
    assert stored["inputs"] == {"query": query}


async def test_stream_closes_after_workflow_finished_and_frames_are_one_line(gateway) -> None:
    app = await gateway.import_app(PASSTHROUGH)
    response = await gateway.run(
        app["api_key"], {"inputs": {"query": "a\nb"}, "response_mode": "streaming", "user": "u1"}
    )
    assert response.text.endswith("\n\n")
    frames = gateway.parse_sse(response.text)  # asserts one line per data frame
    assert frames[-1]["event"] == "workflow_finished"
    assert frames[-1]["data"]["outputs"] == {"query": "a\nb"}


async def test_get_run_is_scoped_to_the_apps_key(gateway) -> None:
    app_a = await gateway.import_app(PASSTHROUGH)
    app_b = await gateway.import_app(BRANCHING)
    body = (await gateway.run(app_a["api_key"], {"inputs": {"query": "q"}, "user": "u1"})).json()
    run_id = body["workflow_run_id"]
    own = await _wait_run(gateway, app_a["api_key"], run_id)
    assert own["id"] == run_id and own["workflow_id"] == app_a["workflow_id"]
    assert own["outputs"] == {"query": "q"}
    assert own["finished_at"] is not None
    other = await gateway.client.get(
        f"/v1/workflows/run/{run_id}", headers={"Authorization": f"Bearer {app_b['api_key']}"}
    )
    assert other.status_code == 404
    assert other.json()["code"] == "not_found"


async def test_missing_user_is_invalid_param(gateway) -> None:
    app = await gateway.import_app(PASSTHROUGH)
    for body in ({"inputs": {"query": "q"}}, {"inputs": {"query": "q"}, "user": ""}):
        response = await gateway.run(app["api_key"], body)
        assert response.status_code == 400
        assert response.json() == {
            "code": "invalid_param",
            "message": "Arg user must be provided.",
            "status": 400,
            "params": "user",
        }


async def test_invalid_inputs_name_the_field(gateway) -> None:
    app = await gateway.import_app(PASSTHROUGH)
    response = await gateway.run(app["api_key"], {"inputs": {}, "user": "u1"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_param" and body["status"] == 400
    assert "query" in body["message"]
    wrong_type = await gateway.run(app["api_key"], {"inputs": {"query": 3}, "user": "u1"})
    assert wrong_type.status_code == 400 and "query" in wrong_type.json()["message"]


async def test_bad_body_shapes_are_invalid_param(gateway) -> None:
    app = await gateway.import_app(PASSTHROUGH)
    headers = {"Authorization": f"Bearer {app['api_key']}"}
    cases = [
        {"user": "u1"},  # no inputs
        {"inputs": "nope", "user": "u1"},
        {"inputs": {"query": "q"}, "user": "u1", "response_mode": "sometimes"},
    ]
    for body in cases:
        response = await gateway.run(app["api_key"], body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "invalid_param"
    broken = await gateway.client.post("/v1/workflows/run", content=b"{not json", headers=headers)
    assert broken.status_code == 400 and broken.json()["code"] == "invalid_param"


async def test_chatflow_key_on_workflow_route_is_not_workflow_app(gateway) -> None:
    app = await gateway.import_app("basic_chatflow.yml")
    assert app["mode"] == "advanced-chat"
    response = await gateway.run(app["api_key"], {"inputs": {}, "user": "u1"})
    assert response.status_code == 400
    assert response.json()["code"] == "not_workflow_app"


async def test_client_disconnect_does_not_stop_the_run(gateway) -> None:
    app = await gateway.import_app(PASSTHROUGH)
    headers = {"Authorization": f"Bearer {app['api_key']}"}
    body = {"inputs": {"query": "bye"}, "response_mode": "streaming", "user": "u1"}
    async with gateway.client.stream("POST", "/v1/workflows/run", json=body, headers=headers) as response:
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                run_id = gateway.parse_sse(line + "\n\n")[0]["workflow_run_id"]
                break  # hang up after the first frame
    stored = await _wait_run(gateway, app["api_key"], run_id)
    assert stored["status"] == "succeeded" and stored["outputs"] == {"query": "bye"}
