"""POST /v1/chat-messages on chatflows: Dify's blocking body, stream envelopes and closing order,
conversations (new, continued, foreign), conversation variables, and mode checks."""

from __future__ import annotations

import uuid

import pytest
from riverflow.gateway.usage import USAGE_KEYS

GREETING = "greeting_chatflow.yml"
ANSWER_ONLY = "answer_end_with_text.yml"


async def test_blocking_reply_has_difys_shape(gateway) -> None:
    app = await gateway.import_app(GREETING)
    response = await gateway.chat(app["api_key"], "hi", inputs={"name": "Ann"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {
        "event",
        "task_id",
        "id",
        "message_id",
        "conversation_id",
        "mode",
        "answer",
        "metadata",
        "created_at",
    }
    assert body["event"] == "message" and body["mode"] == "advanced-chat"
    assert body["id"] == body["message_id"] and uuid.UUID(body["conversation_id"])
    assert body["answer"] == "Hello, Ann: hi"
    assert set(body["metadata"]["usage"]) == set(USAGE_KEYS)
    assert body["metadata"]["usage"]["currency"] == "USD" and body["metadata"]["retriever_resources"] == []
    assert isinstance(body["created_at"], int)


async def test_stream_envelopes_and_closing_order(gateway) -> None:
    app = await gateway.import_app(ANSWER_ONLY)
    response = await gateway.chat(app["api_key"], "river", response_mode="streaming")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in gateway.parse_sse(response.text) if not f.get("_ping")]
    names = [f["event"] for f in frames]
    assert names[0] == "workflow_started" and names[-2:] == ["message_end", "workflow_finished"]
    assert "".join(f["answer"] for f in frames if f["event"] == "message") == "prefixriversuffix"
    message_id, conversation_id = frames[0]["message_id"], frames[0]["conversation_id"]
    for frame in frames:
        assert frame["task_id"] == frames[0]["task_id"]
        assert frame["message_id"] == message_id and frame["conversation_id"] == conversation_id
        assert isinstance(frame["created_at"], int)
        if frame["event"] in ("message", "message_end"):
            assert frame["id"] == message_id
        else:
            assert frame["workflow_run_id"] == frames[0]["data"]["id"] and "data" in frame
    end = frames[-2]
    assert set(end["metadata"]["usage"]) == set(USAGE_KEYS) and end["files"] == []
    assert frames[-1]["data"]["status"] == "succeeded"
    assert frames[-1]["data"]["outputs"] == {"answer": "prefixriversuffix"}


async def test_a_conversation_keeps_its_inputs_and_counts_turns(gateway) -> None:
    app = await gateway.import_app(GREETING)
    key = app["api_key"]
    first = (await gateway.chat(key, "one", inputs={"name": "Ann"})).json()
    second = await gateway.chat(key, "two", inputs={"name": "Bob"}, conversation_id=first["conversation_id"])
    assert second.status_code == 200, second.text
    assert second.json()["conversation_id"] == first["conversation_id"]
    assert second.json()["answer"] == "Hello, Ann: two"  # the conversation's inputs, as in Dify
    listed = await gateway.client.get("/v1/conversations", params={"user": "u1"}, headers=gateway.auth(key))
    assert [c["id"] for c in listed.json()["data"]] == [first["conversation_id"]]
    assert (
        listed.json()["data"][0]["name"] == "one" and listed.json()["data"][0]["introduction"] == "Welcome!"
    )


async def test_stored_conversation_variables_reach_the_next_run(gateway) -> None:
    app = await gateway.import_app(GREETING)
    key = app["api_key"]
    first = (await gateway.chat(key, "a", inputs={"name": "Ann"})).json()
    cid = first["conversation_id"]
    variables = await gateway.client.get(
        f"/v1/conversations/{cid}/variables", params={"user": "u1"}, headers=gateway.auth(key)
    )
    assert variables.status_code == 200
    (greeting,) = variables.json()["data"]
    assert (greeting["name"], greeting["value"], greeting["value_type"]) == ("greeting", "Hello", "string")
    path = f"/v1/conversations/{cid}/variables/{greeting['id']}"
    wrong = await gateway.client.put(path, json={"value": 3, "user": "u1"}, headers=gateway.auth(key))
    assert wrong.status_code == 400 and wrong.json()["code"] == "bad_request"
    updated = await gateway.client.patch(
        path, json={"value": "Howdy", "user": "u1"}, headers=gateway.auth(key)
    )
    assert updated.status_code == 200 and updated.json()["value"] == "Howdy"
    again = await gateway.chat(key, "b", conversation_id=cid)
    assert again.json()["answer"] == "Howdy, Ann: b"


@pytest.mark.parametrize("empty", ["", None])
async def test_empty_conversation_id_starts_a_new_one(gateway, empty) -> None:
    app = await gateway.import_app(ANSWER_ONLY)
    first = (await gateway.chat(app["api_key"], "x", conversation_id=empty)).json()
    second = (await gateway.chat(app["api_key"], "y", conversation_id=empty)).json()
    assert first["conversation_id"] != second["conversation_id"]


async def test_bad_unknown_and_foreign_conversations(gateway) -> None:
    app = await gateway.import_app(ANSWER_ONLY)
    key = app["api_key"]
    bad = await gateway.chat(key, "x", conversation_id="not-a-uuid")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid_param"
    unknown = await gateway.chat(key, "x", conversation_id=str(uuid.uuid4()))
    assert unknown.status_code == 404 and unknown.json()["message"] == "Conversation Not Exists."
    mine = (await gateway.chat(key, "x", user="alice")).json()["conversation_id"]
    other = await gateway.chat(key, "x", user="mallory", conversation_id=mine)
    assert other.status_code == 404


async def test_user_and_mode_checks(gateway) -> None:
    chat = await gateway.import_app(ANSWER_ONLY)
    workflow = await gateway.import_app("simple_passthrough_workflow.yml")
    no_user = await gateway.client.post(
        "/v1/chat-messages", json={"query": "q", "inputs": {}}, headers=gateway.auth(chat["api_key"])
    )
    assert no_user.status_code == 400 and no_user.json()["message"] == "Arg user must be provided."
    wrong = await gateway.chat(workflow["api_key"], "q")
    assert wrong.status_code == 400 and wrong.json()["code"] == "not_chat_app"
    run = await gateway.run(chat["api_key"], {"inputs": {}, "user": "u"})
    assert run.status_code == 400 and run.json()["code"] == "not_workflow_app"
    completion = await gateway.client.post(
        "/v1/completion-messages", json={"inputs": {}, "user": "u"}, headers=gateway.auth(chat["api_key"])
    )
    assert completion.status_code == 400 and completion.json()["code"] == "app_unavailable"
    missing_query = await gateway.client.post(
        "/v1/chat-messages", json={"inputs": {}, "user": "u"}, headers=gateway.auth(chat["api_key"])
    )
    assert missing_query.status_code == 400 and missing_query.json()["code"] == "invalid_param"
    bad_mode = await gateway.chat(chat["api_key"], "q", response_mode="sometimes")
    assert bad_mode.status_code == 400


async def test_run_detail_and_logs_cover_chatflow_runs(gateway) -> None:
    app = await gateway.import_app(ANSWER_ONLY)
    key = app["api_key"]
    response = await gateway.chat(key, "logged", response_mode="streaming")
    run_id = gateway.parse_sse(response.text)[0]["workflow_run_id"]
    detail = await gateway.client.get(f"/v1/workflows/run/{run_id}", headers=gateway.auth(key))
    assert detail.status_code == 200 and detail.json()["status"] == "succeeded"
    assert detail.json()["outputs"] == {"answer": "prefixloggedsuffix"} and detail.json()["total_steps"] == 2
    logs = await gateway.client.get("/v1/workflows/logs", headers=gateway.auth(key))
    assert logs.json()["total"] == 1 and logs.json()["data"][0]["workflow_run"]["id"] == run_id
