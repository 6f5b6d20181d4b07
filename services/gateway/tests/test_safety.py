"""Tenancy and abuse limits: app keys reach only their app, dataset keys only their workspace,
keys of one kind never work as the other, per-key rate limits (429), body limits (413), and no
key or token in the logs."""

from __future__ import annotations

import logging
import uuid

import pytest

ANSWER_ONLY = "answer_end_with_text.yml"


@pytest.fixture
def settings_overrides():
    return {"rate_limit_per_minute": 40, "max_body_bytes": 64 * 1024}


async def test_an_app_key_reaches_only_its_own_apps_data(gateway) -> None:
    mine = await gateway.import_app(ANSWER_ONLY)
    theirs = await gateway.import_app(ANSWER_ONLY)
    a, b = gateway.auth(mine["api_key"]), gateway.auth(theirs["api_key"])
    reply = await gateway.chat(theirs["api_key"], "secret", user="u1", response_mode="streaming")
    frames = gateway.parse_sse(reply.text)
    cid, mid, run_id = frames[0]["conversation_id"], frames[0]["message_id"], frames[0]["workflow_run_id"]
    upload = await gateway.client.post(
        "/v1/files/upload", files={"file": ("t.txt", b"x")}, data={"user": "u1"}, headers=b
    )
    file_id = upload.json()["id"]
    attempts = [
        ("GET", f"/v1/workflows/run/{run_id}", None, None),
        ("GET", "/v1/messages", {"conversation_id": cid, "user": "u1"}, None),
        ("GET", f"/v1/conversations/{cid}/variables", {"user": "u1"}, None),
        ("POST", f"/v1/conversations/{cid}/name", None, {"name": "hijack", "user": "u1"}),
        ("DELETE", f"/v1/conversations/{cid}", None, {"user": "u1"}),
        ("POST", f"/v1/messages/{mid}/feedbacks", None, {"rating": "like", "user": "u1"}),
        ("GET", f"/v1/messages/{mid}/suggested", {"user": "u1"}, None),
        ("GET", f"/v1/files/{file_id}/preview", None, None),
    ]
    for method, path, params, body in attempts:
        response = await gateway.client.request(method, path, params=params, json=body, headers=a)
        assert response.status_code in (400, 404), (path, response.status_code, response.text)
    continued = await gateway.chat(mine["api_key"], "x", user="u1", conversation_id=cid)
    assert continued.status_code == 404
    files = [{"type": "document", "transfer_method": "local_file", "upload_file_id": file_id}]
    assert (
        await gateway.chat(mine["api_key"], "x", files=files)
    ).status_code == 200  # same workspace: allowed
    listed = (await gateway.client.get("/v1/conversations", params={"user": "u1"}, headers=a)).json()
    assert cid not in [c["id"] for c in listed["data"]]
    logs = (await gateway.client.get("/v1/workflows/logs", headers=a)).json()
    assert run_id not in [item["id"] for item in logs["data"]]
    # ...and nothing changed on the other side
    still = await gateway.client.get("/v1/messages", params={"conversation_id": cid, "user": "u1"}, headers=b)
    assert still.status_code == 200 and still.json()["data"][0]["feedback"] is None


async def test_dataset_keys_reach_only_their_workspace(gateway) -> None:
    key1 = await gateway.dataset_key()
    owner = await gateway.client.post(
        "/console/api/workspaces/current/members",
        json={"email": "o2@example.com", "password": "river-pass-1", "role": "owner"},
        headers=gateway.console,
    )
    assert owner.status_code == 201
    token = (
        await gateway.client.post(
            "/console/api/login", json={"email": "o2@example.com", "password": "river-pass-1"}
        )
    ).json()["data"]["access_token"]
    ws2 = (
        await gateway.client.post("/console/api/workspaces", json={"name": "w2"}, headers=gateway.auth(token))
    ).json()["id"]
    await gateway.client.post(
        "/console/api/workspaces/switch", json={"tenant_id": ws2}, headers=gateway.auth(token)
    )
    key2 = await gateway.dataset_key(token)
    made = await gateway.client.post("/v1/datasets", json={"name": "private"}, headers=gateway.auth(key1))
    dataset_id = made.json()["id"]
    doc = await gateway.client.post(
        f"/v1/datasets/{dataset_id}/document/create-by-text",
        json={"name": "d", "text": "river", "indexing_technique": "economy"},
        headers=gateway.auth(key1),
    )
    document_id = doc.json()["document"]["id"]
    other = gateway.auth(key2)
    for method, path, body in [
        ("GET", f"/v1/datasets/{dataset_id}", None),
        ("PATCH", f"/v1/datasets/{dataset_id}", {"name": "stolen"}),
        ("DELETE", f"/v1/datasets/{dataset_id}", None),
        ("GET", f"/v1/datasets/{dataset_id}/documents", None),
        (
            "POST",
            f"/v1/datasets/{dataset_id}/document/create-by-text",
            {"name": "x", "text": "y", "indexing_technique": "economy"},
        ),
        ("DELETE", f"/v1/datasets/{dataset_id}/documents/{document_id}", None),
        ("GET", f"/v1/datasets/{dataset_id}/documents/{document_id}/segments", None),
        ("POST", f"/v1/datasets/{dataset_id}/retrieve", {"query": "river"}),
    ]:
        response = await gateway.client.request(method, path, json=body, headers=other)
        assert response.status_code == 404 and response.json()["message"] == "Dataset not found.", (
            path,
            response.text,
        )
    assert (await gateway.client.get("/v1/datasets", headers=other)).json()["total"] == 0
    kept = await gateway.client.get(f"/v1/datasets/{dataset_id}", headers=gateway.auth(key1))
    assert kept.json()["name"] == "private" and kept.json()["document_count"] == 1


async def test_key_kinds_do_not_cross(gateway) -> None:
    app = await gateway.import_app(ANSWER_ONLY)
    dataset = await gateway.dataset_key()
    on_app_route = await gateway.chat(dataset, "q")
    assert on_app_route.status_code == 401 and on_app_route.json()["message"] == "Access token is invalid"
    assert on_app_route.headers["www-authenticate"] == 'Bearer realm="api"'
    on_dataset_route = await gateway.client.get("/v1/datasets", headers=gateway.auth(app["api_key"]))
    assert on_dataset_route.status_code == 401
    console_on_service = await gateway.chat(gateway.console_token, "q")
    assert console_on_service.status_code == 401
    app_on_console = await gateway.client.get("/console/api/apps", headers=gateway.auth(app["api_key"]))
    assert app_on_console.status_code == 401


async def test_disabled_api_and_rate_limits(gateway) -> None:
    app = await gateway.import_app(ANSWER_ONLY)
    other = await gateway.import_app(ANSWER_ONLY)
    # The key is checked (and its answer kept) before the switch: the switch applies at once.
    assert (await gateway.client.get("/v1/info", headers=gateway.auth(other["api_key"]))).status_code == 200
    off = await gateway.client.put(
        f"/console/api/apps/{other['id']}", json={"enable_api": False}, headers=gateway.console
    )
    assert off.status_code == 200
    disabled = await gateway.client.get("/v1/info", headers=gateway.auth(other["api_key"]))
    assert (
        disabled.status_code == 403
        and disabled.json()["message"] == "The app's API service has been disabled."
    )
    on = await gateway.client.put(
        f"/console/api/apps/{other['id']}", json={"enable_api": True}, headers=gateway.console
    )
    assert on.status_code == 200
    assert (await gateway.client.get("/v1/info", headers=gateway.auth(other["api_key"]))).status_code == 200
    statuses = [
        (await gateway.client.get("/v1/info", headers=gateway.auth(app["api_key"]))).status_code
        for _ in range(45)
    ]
    assert statuses[:39] == [200] * 39 and statuses[-1] == 429
    limited = await gateway.client.get("/v1/info", headers=gateway.auth(app["api_key"]))
    assert limited.json() == {
        "code": "too_many_requests",
        "message": "Too many requests. Please try again later.",
        "status": 429,
    }
    fresh = await gateway.import_app(ANSWER_ONLY)  # another key has its own bucket
    assert (await gateway.client.get("/v1/info", headers=gateway.auth(fresh["api_key"]))).status_code == 200


async def test_request_size_limit(gateway) -> None:
    app = await gateway.import_app(ANSWER_ONLY)
    huge = await gateway.chat(app["api_key"], "x" * (70 * 1024))
    assert huge.status_code == 413 and huge.json()["code"] == "request_entity_too_large"
    upload = await gateway.client.post(
        "/v1/files/upload",
        files={"file": ("big.txt", b"y" * (200 * 1024))},
        data={"user": "u"},
        headers=gateway.auth(app["api_key"]),
    )
    assert upload.status_code == 201  # uploads have their own, larger limit


async def test_no_key_or_token_in_the_logs(gateway, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    app = await gateway.import_app(ANSWER_ONLY)
    await gateway.chat(app["api_key"], "q")
    await gateway.chat(app["api_key"] + "x", "q")
    await gateway.client.post("/console/api/login", json={"email": "n@example.com", "password": "guess-123"})
    await gateway.client.get(f"/v1/workflows/run/{uuid.uuid4()}", headers=gateway.auth(app["api_key"]))
    assert any(r.name.startswith("riverflow.gateway") for r in caplog.records), "the gateway logged nothing"
    for secret in (app["api_key"], gateway.console_token, "guess-123"):
        assert secret not in caplog.text
