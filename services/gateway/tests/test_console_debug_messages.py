"""The console's debugger for chat, agent-chat and completion apps: the draft runs with the editor's
unsaved ``model_config``, nothing is saved or published, the run is a console run the app's end users
never see, and refusals leave nothing behind. The model's stand-in says which prompt it was given."""

from __future__ import annotations

import json
import uuid

import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult

from .conftest import succeeded


@pytest.fixture
def task_executor():
    async def execute(task: NodeTaskRequested) -> NodeTaskResult:
        text = "edited prompt" if "EDITED" in json.dumps(task.data) else "saved prompt"
        return succeeded(task, {"text": text}, usage={"total_tokens": 4})

    return execute


def _events(gateway, response) -> list[dict]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/event-stream")
    return [f for f in gateway.parse_sse(response.text) if not f.get("_ping")]


async def _model_config(gateway, app_id: str) -> dict:
    draft = await gateway.client.get(f"/console/api/apps/{app_id}/workflows/draft", headers=gateway.console)
    return draft.json()["model_config"]


async def test_chat_debug_runs_the_editors_config_unsaved_as_a_console_run(gateway) -> None:
    app = await gateway.import_app("assistant_chat.yml")
    base = f"/console/api/apps/{app['id']}"
    saved = await _model_config(gateway, app["id"])
    edited = {**saved, "pre_prompt": "EDITED for {{team}}"}
    body = {"query": "hi", "inputs": {"team": "ops"}, "model_config": edited, "response_mode": "streaming"}
    frames = _events(
        gateway, await gateway.client.post(f"{base}/chat-messages", json=body, headers=gateway.console)
    )
    assert [f["event"] for f in frames] == ["message", "message_end"]
    assert frames[0]["answer"] == "edited prompt"
    conversation = frames[-1]["conversation_id"]

    # The draft and the versions are untouched; the Service API still runs what was published.
    assert await _model_config(gateway, app["id"]) == saved
    versions = (await gateway.client.get(f"{base}/workflows", headers=gateway.console)).json()["items"]
    assert [v["version"] for v in versions] == [1]
    published = await gateway.chat(app["api_key"], "hi", inputs={"team": "ops"})
    assert published.json()["answer"] == "saved prompt"

    # Without model_config the draft's own config runs; the conversation continues (blocking).
    follow = {"query": "again", "inputs": {}, "conversation_id": conversation}
    reply = await gateway.client.post(f"{base}/chat-messages", json=follow, headers=gateway.console)
    assert reply.status_code == 200, reply.text
    assert reply.json()["conversation_id"] == conversation and reply.json()["answer"] == "saved prompt"

    # Recorded as the console's runs, without an end user: the app's users do not see them.
    store = gateway.app.state.services.store
    message = await store.get_message(app["id"], frames[-1]["message_id"])
    run = await store.get_run(app["id"], message.run_id)
    assert run.created_from == "console" and run.end_user_id is None and run.user == "console"
    listed = await gateway.client.get(
        "/v1/conversations", params={"user": "u1"}, headers=gateway.auth(app["api_key"])
    )
    assert [c["id"] for c in listed.json()["data"]] == [published.json()["conversation_id"]]


async def test_completion_debug_streams_and_blocks(gateway) -> None:
    app = await gateway.import_app("writer_completion.yml")
    path = f"/console/api/apps/{app['id']}/completion-messages"
    blocking = await gateway.client.post(path, json={"inputs": {"query": "rivers"}}, headers=gateway.console)
    assert blocking.status_code == 200, blocking.text
    body = blocking.json()
    assert body["mode"] == "completion" and body["answer"] == "saved prompt" and "conversation_id" not in body
    config = await _model_config(gateway, app["id"])
    edited = {**config, "pre_prompt": "EDITED {{query}}"}
    streamed = await gateway.client.post(
        path,
        json={"inputs": {"query": "rivers"}, "model_config": edited, "response_mode": "streaming"},
        headers=gateway.console,
    )
    frames = _events(gateway, streamed)
    assert frames[0]["event"] == "message" and frames[0]["answer"] == "edited prompt"
    assert frames[-1]["event"] == "message_end" and all("conversation_id" not in f for f in frames)


async def test_refused_debug_messages_answer_difys_error_and_leave_nothing(gateway) -> None:
    chat = await gateway.import_app("assistant_chat.yml")
    agent = await gateway.import_app("helper_agent.yml")
    completion = await gateway.import_app("writer_completion.yml")
    before = await gateway.row_counts()

    async def refused(app_id: str, route: str, body: dict, status: int, code: str) -> dict:
        path = f"/console/api/apps/{app_id}/{route}"
        response = await gateway.client.post(path, json=body, headers=gateway.console)
        assert response.status_code == status, response.text
        error = response.json()
        assert error["code"] == code and error["status"] == status and error["message"]
        return error

    ok = {"query": "hi", "inputs": {"team": "ops"}}
    await refused(chat["id"], "chat-messages", {"query": "hi"}, 400, "invalid_param")  # no inputs
    await refused(chat["id"], "chat-messages", {**ok, "model_config": "x"}, 400, "invalid_param")
    broken = await refused(
        chat["id"], "chat-messages", {**ok, "model_config": {"model": "x"}}, 400, "invalid_param"
    )
    assert broken["params"] == "model_config"
    await refused(chat["id"], "chat-messages", {**ok, "query": " "}, 400, "invalid_param")
    missing = await refused(chat["id"], "chat-messages", {"query": "hi", "inputs": {}}, 400, "invalid_param")
    assert missing["message"] == "Team is required in input form"
    await refused(chat["id"], "chat-messages", {**ok, "conversation_id": str(uuid.uuid4())}, 404, "not_found")
    blocking = {"query": "t", "inputs": {}}  # Dify's default response_mode: refused for agents
    await refused(agent["id"], "chat-messages", blocking, 400, "invalid_param")
    await refused(completion["id"], "chat-messages", ok, 400, "not_chat_app")
    await refused(chat["id"], "completion-messages", {"inputs": {}}, 400, "app_unavailable")
    await refused(str(uuid.uuid4()), "chat-messages", ok, 404, "not_found")
    await refused(str(uuid.uuid4()), "completion-messages", {"inputs": {}}, 404, "not_found")
    assert await gateway.row_counts() == before


async def test_agent_chat_debug_streams_agent_messages_and_stop_answers_success(gateway) -> None:
    app = await gateway.import_app("helper_agent.yml")
    base = f"/console/api/apps/{app['id']}"
    body = {"query": "time?", "inputs": {}, "response_mode": "streaming"}
    frames = _events(
        gateway, await gateway.client.post(f"{base}/chat-messages", json=body, headers=gateway.console)
    )
    assert [f["event"] for f in frames] == ["agent_message", "message_end"]
    stopped = await gateway.client.post(
        f"{base}/chat-messages/{frames[0]['task_id']}/stop", headers=gateway.console
    )
    assert stopped.status_code == 200 and stopped.json() == {"result": "success"}
