"""Files, messages, feedback, suggested questions, conversations, app info and audio routes."""

from __future__ import annotations

import uuid

import pytest

GREETING = "greeting_chatflow.yml"
ANSWER_ONLY = "answer_end_with_text.yml"


@pytest.fixture
def settings_overrides():
    return {"file_size_limit_mb": 1, "image_file_size_limit_mb": 1}


async def _upload(gateway, key: str, name: str, data: bytes, user: str = "u1", mime: str = "text/plain"):
    return await gateway.client.post(
        "/v1/files/upload", files={"file": (name, data, mime)}, data={"user": user}, headers=gateway.auth(key)
    )


async def test_upload_is_201_stored_and_usable_in_a_message(gateway) -> None:
    app = await gateway.import_app(GREETING)
    key = app["api_key"]
    response = await _upload(gateway, key, "notes.txt", b"river notes")
    assert response.status_code == 201, response.text
    body = response.json()
    for field in ("id", "name", "size", "extension", "mime_type", "created_by", "created_at"):
        assert field in body
    assert (body["name"], body["size"], body["extension"], body["created_by"]) == (
        "notes.txt",
        11,
        "txt",
        "u1",
    )
    stored = gateway.settings.files_dir / body["file_key"]
    assert stored.read_bytes() == b"river notes"
    preview = await gateway.client.get(f"/v1/files/{body['id']}/preview", headers=gateway.auth(key))
    assert preview.status_code == 200 and preview.content == b"river notes"
    files = [{"type": "document", "transfer_method": "local_file", "upload_file_id": body["id"]}]
    chat = await gateway.chat(key, "with a file", files=files)
    assert chat.status_code == 200, chat.text
    messages = await gateway.client.get(
        "/v1/messages",
        params={"conversation_id": chat.json()["conversation_id"], "user": "u1"},
        headers=gateway.auth(key),
    )
    (message,) = messages.json()["data"]
    assert message["message_files"][0]["upload_file_id"] == body["id"]
    bogus = [{"type": "document", "transfer_method": "local_file", "upload_file_id": str(uuid.uuid4())}]
    assert (await gateway.chat(key, "x", files=bogus)).status_code == 400


async def test_upload_limits_and_errors(gateway) -> None:
    app = await gateway.import_app(GREETING)
    key = app["api_key"]
    too_big = await _upload(gateway, key, "big.txt", b"x" * (1024 * 1024 + 1))
    assert too_big.status_code == 413 and too_big.json()["code"] == "file_too_large"
    assert not any(gateway.settings.files_dir.rglob("*.txt"))  # nothing partial left behind
    blocked = await _upload(gateway, key, "tool.exe", b"MZ")
    assert blocked.status_code == 415 and blocked.json()["code"] == "unsupported_file_type"
    none = await gateway.client.post("/v1/files/upload", data={"user": "u1"}, headers=gateway.auth(key))
    assert none.status_code == 400 and none.json()["code"] == "no_file_uploaded"
    two = await gateway.client.post(
        "/v1/files/upload",
        files=[("file", ("a.txt", b"a")), ("file", ("b.txt", b"b"))],
        headers=gateway.auth(key),
    )
    assert two.status_code == 400 and two.json()["code"] == "too_many_files"


async def test_messages_pagination_and_feedback(gateway) -> None:
    app = await gateway.import_app(ANSWER_ONLY)
    key = app["api_key"]
    cid = (await gateway.chat(key, "m0")).json()["conversation_id"]
    ids = [(await gateway.chat(key, f"m{i}", conversation_id=cid)).json()["message_id"] for i in range(1, 5)]
    params = {"conversation_id": cid, "user": "u1", "limit": 2}
    page = (await gateway.client.get("/v1/messages", params=params, headers=gateway.auth(key))).json()
    assert [m["query"] for m in page["data"]] == ["m3", "m4"] and page["has_more"]
    older = await gateway.client.get(
        "/v1/messages", params={**params, "first_id": page["data"][0]["id"]}, headers=gateway.auth(key)
    )
    assert [m["query"] for m in older.json()["data"]] == ["m1", "m2"]
    missing = await gateway.client.get(
        "/v1/messages", params={**params, "first_id": str(uuid.uuid4())}, headers=gateway.auth(key)
    )
    assert missing.status_code == 404 and missing.json()["message"] == "First Message Not Exists."
    like = await gateway.client.post(
        f"/v1/messages/{ids[-1]}/feedbacks",
        json={"rating": "like", "user": "u1", "content": None},
        headers=gateway.auth(key),
    )
    assert like.json() == {"result": "success"}
    page = (await gateway.client.get("/v1/messages", params=params, headers=gateway.auth(key))).json()
    assert page["data"][-1]["feedback"] == {"rating": "like"}
    listed = (await gateway.client.get("/v1/app/feedbacks", headers=gateway.auth(key))).json()["data"]
    assert [(f["message_id"], f["rating"]) for f in listed] == [(ids[-1], "like")]
    revoke = await gateway.client.post(
        f"/v1/messages/{ids[-1]}/feedbacks", json={"rating": None, "user": "u1"}, headers=gateway.auth(key)
    )
    assert revoke.status_code == 200
    again = await gateway.client.post(
        f"/v1/messages/{ids[-1]}/feedbacks", json={"rating": None, "user": "u1"}, headers=gateway.auth(key)
    )
    assert again.status_code == 400
    foreign = await gateway.client.post(
        f"/v1/messages/{ids[-1]}/feedbacks", json={"rating": "like", "user": "u2"}, headers=gateway.auth(key)
    )
    assert foreign.status_code == 404


async def test_suggested_questions(gateway) -> None:
    disabled = await gateway.import_app(ANSWER_ONLY)
    message_id = (await gateway.chat(disabled["api_key"], "x")).json()["message_id"]
    response = await gateway.client.get(
        f"/v1/messages/{message_id}/suggested",
        params={"user": "u1"},
        headers=gateway.auth(disabled["api_key"]),
    )
    assert response.status_code == 400 and response.json()["code"] == "bad_request"
    enabled = await gateway.import_app(GREETING)
    message_id = (await gateway.chat(enabled["api_key"], "x")).json()["message_id"]
    response = await gateway.client.get(
        f"/v1/messages/{message_id}/suggested",
        params={"user": "u1"},
        headers=gateway.auth(enabled["api_key"]),
    )
    assert response.status_code == 200 and response.json() == {"result": "success", "data": []}


async def test_conversations_list_rename_delete(gateway) -> None:
    app = await gateway.import_app(ANSWER_ONLY)
    key = app["api_key"]
    cids = [(await gateway.chat(key, f"topic {i}")).json()["conversation_id"] for i in range(3)]
    first = (
        await gateway.client.get(
            "/v1/conversations", params={"user": "u1", "limit": 2}, headers=gateway.auth(key)
        )
    ).json()
    assert [c["id"] for c in first["data"]] == cids[::-1][:2] and first["has_more"]
    rest = await gateway.client.get(
        "/v1/conversations",
        params={"user": "u1", "limit": 2, "last_id": first["data"][-1]["id"]},
        headers=gateway.auth(key),
    )
    assert [c["id"] for c in rest.json()["data"]] == [cids[0]] and not rest.json()["has_more"]
    oldest = await gateway.client.get(
        "/v1/conversations", params={"user": "u1", "sort_by": "created_at"}, headers=gateway.auth(key)
    )
    assert [c["id"] for c in oldest.json()["data"]] == cids
    bad_cursor = await gateway.client.get(
        "/v1/conversations", params={"user": "u1", "last_id": str(uuid.uuid4())}, headers=gateway.auth(key)
    )
    assert bad_cursor.status_code == 404
    renamed = await gateway.client.post(
        f"/v1/conversations/{cids[0]}/name", json={"name": "Mine", "user": "u1"}, headers=gateway.auth(key)
    )
    assert renamed.status_code == 200 and renamed.json()["name"] == "Mine"
    auto = await gateway.client.post(
        f"/v1/conversations/{cids[0]}/name",
        json={"auto_generate": True, "user": "u1"},
        headers=gateway.auth(key),
    )
    assert auto.json()["name"] == "topic 0"
    nameless = await gateway.client.post(
        f"/v1/conversations/{cids[0]}/name", json={"user": "u1"}, headers=gateway.auth(key)
    )
    assert nameless.status_code == 400
    other = await gateway.client.request(
        "DELETE", f"/v1/conversations/{cids[0]}", json={"user": "u2"}, headers=gateway.auth(key)
    )
    assert other.status_code == 404
    deleted = await gateway.client.request(
        "DELETE", f"/v1/conversations/{cids[0]}", json={"user": "u1"}, headers=gateway.auth(key)
    )
    assert deleted.status_code == 204 and deleted.content == b""
    assert (
        await gateway.client.request(
            "DELETE", "/v1/conversations/not-a-uuid", json={"user": "u1"}, headers=gateway.auth(key)
        )
    ).status_code == 404
    remaining = (
        await gateway.client.get("/v1/conversations", params={"user": "u1"}, headers=gateway.auth(key))
    ).json()
    assert cids[0] not in [c["id"] for c in remaining["data"]]


async def test_info_meta_parameters_site(gateway) -> None:
    app = await gateway.import_app(GREETING)
    headers = {**gateway.auth(app["api_key"]), "Content-Type": "application/json"}  # tolerated on GET
    info = await gateway.client.request(
        "GET", "/v1/info", params={"user": "u"}, headers=headers, content=b"{}"
    )
    assert info.json() == {
        "name": "greeting",
        "description": info.json()["description"],
        "tags": [],
        "mode": "advanced-chat",
        "author_name": "",
    }
    assert (await gateway.client.get("/v1/meta", headers=headers)).json() == {"tool_icons": {}}
    params = (await gateway.client.get("/v1/parameters", params={"user": "u"}, headers=headers)).json()
    assert params["opening_statement"] == "Welcome!" and params["suggested_questions"] == ["What can you do?"]
    assert params["suggested_questions_after_answer"] == {"enabled": True}
    assert params["user_input_form"][0]["text-input"]["variable"] == "name"
    assert (
        params["file_upload"]["image"]["enabled"] is True
        and params["file_upload"]["image"]["number_limits"] == 2
    )
    assert (await gateway.client.get("/v1/site", headers=headers)).json()["title"] == "greeting"


async def test_audio_routes_answer_difys_codes(gateway) -> None:
    app = await gateway.import_app(GREETING)
    key = app["api_key"]
    missing = await gateway.client.post("/v1/audio-to-text", data={"user": "u"}, headers=gateway.auth(key))
    assert missing.status_code == 400 and missing.json()["code"] == "no_audio_uploaded"
    wrong = await gateway.client.post(
        "/v1/audio-to-text", files={"file": ("a.txt", b"x", "text/plain")}, headers=gateway.auth(key)
    )
    assert wrong.status_code == 415 and wrong.json()["code"] == "unsupported_audio_type"
    audio = await gateway.client.post(
        "/v1/audio-to-text", files={"file": ("a.mp3", b"ID3", "audio/mpeg")}, headers=gateway.auth(key)
    )
    assert audio.status_code == 400 and audio.json()["code"] == "provider_not_support_speech_to_text"
    tts = await gateway.client.post(
        "/v1/text-to-audio", json={"text": "hi", "user": "u"}, headers=gateway.auth(key)
    )
    assert tts.status_code == 400 and tts.json()["code"] == "app_unavailable"


async def test_tolerant_inputs(gateway) -> None:
    chat = await gateway.import_app(ANSWER_ONLY)
    ok = await gateway.chat(
        chat["api_key"], "q", files=None, conversation_id=None, auto_generate_name=True, retriever_from="dev"
    )
    assert ok.status_code == 200
    workflow = await gateway.import_app("simple_passthrough_workflow.yml")
    assert (
        await gateway.run(workflow["api_key"], {"inputs": {"query": "x"}, "user": "u", "files": None})
    ).status_code == 200
    assert (
        await gateway.run(workflow["api_key"], {"inputs": {"query": "x"}, "user": "u", "files": []})
    ).status_code == 200
