"""Console API: accounts and sessions, roles per route, app CRUD, drafts and published versions,
app and dataset keys, encrypted provider credentials, and the OpenAPI document."""

from __future__ import annotations

import logging

import pytest
from riverflow.contracts.credentials import credentials_key

PASSWORD = "river-pass-1"


async def _member(gateway, email: str, role: str, token: str | None = None) -> str:
    """Add ``email`` with ``role`` to the caller's workspace and return their session token."""
    headers = gateway.auth(token) if token else gateway.console
    added = await gateway.client.post(
        "/console/api/workspaces/current/members",
        json={"email": email, "name": email.split("@")[0], "password": PASSWORD, "role": role},
        headers=headers,
    )
    assert added.status_code == 201, added.text
    return await _login(gateway, email)


async def _login(gateway, email: str, password: str = PASSWORD) -> str:
    response = await gateway.client.post("/console/api/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["data"]["access_token"]


async def test_login_logout_and_password_storage(gateway) -> None:
    token = await _member(gateway, "ann@example.com", "admin")
    profile = await gateway.client.get("/console/api/account/profile", headers=gateway.auth(token))
    assert profile.json()["email"] == "ann@example.com" and profile.json()["role"] == "admin"
    wrong = await gateway.client.post(
        "/console/api/login", json={"email": "ann@example.com", "password": "nope-123x"}
    )
    assert wrong.status_code == 401 and wrong.json()["code"] == "invalid_credentials"
    unknown = await gateway.client.post(
        "/console/api/login", json={"email": "who@example.com", "password": "nope-123x"}
    )
    assert unknown.status_code == 401 and unknown.json()["message"] == wrong.json()["message"]
    dump = await gateway.dump()
    assert PASSWORD not in dump and token not in dump and "$argon2id$" in dump
    assert (await gateway.client.post("/console/api/logout", headers=gateway.auth(token))).status_code == 200
    after = await gateway.client.get("/console/api/account/profile", headers=gateway.auth(token))
    assert after.status_code == 401
    weak = await gateway.client.post(
        "/console/api/workspaces/current/members",
        json={"email": "b@example.com", "password": "short", "role": "viewer"},
        headers=gateway.console,
    )
    assert weak.status_code == 400 and weak.json()["params"] == "password"


async def test_roles_are_enforced_per_route(gateway) -> None:
    viewer = await _member(gateway, "v@example.com", "viewer")
    editor = await _member(gateway, "e@example.com", "editor")
    admin = await _member(gateway, "a@example.com", "admin")
    dsl = gateway.fixture_text("simple_passthrough_workflow.yml")
    imported = await gateway.client.post(
        "/console/api/apps/import", content=dsl, headers=gateway.auth(viewer)
    )
    assert imported.status_code == 403 and imported.json()["code"] == "forbidden"
    app = (
        await gateway.client.post("/console/api/apps/import", content=dsl, headers=gateway.auth(editor))
    ).json()
    assert (
        await gateway.client.get(f"/console/api/apps/{app['id']}", headers=gateway.auth(viewer))
    ).status_code == 200
    assert (
        await gateway.client.post(f"/console/api/apps/{app['id']}/api-keys", headers=gateway.auth(viewer))
    ).status_code == 403
    assert (
        await gateway.client.post("/console/api/datasets/api-keys", headers=gateway.auth(editor))
    ).status_code == 403
    assert (
        await gateway.client.post("/console/api/datasets/api-keys", headers=gateway.auth(admin))
    ).status_code == 201
    grant = await gateway.client.post(
        "/console/api/workspaces/current/members",
        json={"email": "x@example.com", "password": PASSWORD, "role": "admin"},
        headers=gateway.auth(admin),
    )
    assert grant.status_code == 403  # only owners make admins
    members = (
        await gateway.client.get("/console/api/workspaces/current/members", headers=gateway.auth(viewer))
    ).json()
    ids = {m["email"]: m["id"] for m in members["accounts"]}
    demote = await gateway.client.put(
        f"/console/api/workspaces/current/members/{ids['e@example.com']}/update-role",
        json={"role": "viewer"},
        headers=gateway.auth(admin),
    )
    assert demote.status_code == 200 and demote.json()["role"] == "viewer"
    now_viewer = await gateway.client.post(
        "/console/api/apps/import", content=dsl, headers=gateway.auth(editor)
    )
    assert now_viewer.status_code == 403
    removed = await gateway.client.delete(
        f"/console/api/workspaces/current/members/{ids['v@example.com']}", headers=gateway.auth(admin)
    )
    assert removed.status_code == 204
    assert (await gateway.client.get("/console/api/apps", headers=gateway.auth(viewer))).status_code == 403


async def test_workspaces_isolate_their_apps(gateway) -> None:
    owner = await _member(gateway, "o@example.com", "owner")
    created = await gateway.client.post(
        "/console/api/workspaces", json={"name": "second"}, headers=gateway.auth(owner)
    )
    assert created.status_code == 201
    default_app = await gateway.import_app("simple_passthrough_workflow.yml")
    switched = await gateway.client.post(
        "/console/api/workspaces/switch",
        json={"tenant_id": created.json()["id"]},
        headers=gateway.auth(owner),
    )
    assert switched.status_code == 200
    assert (await gateway.client.get("/console/api/apps", headers=gateway.auth(owner))).json()["total"] == 0
    foreign = await gateway.client.get(f"/console/api/apps/{default_app['id']}", headers=gateway.auth(owner))
    assert foreign.status_code == 404
    for method, path in (
        ("PUT", f"/console/api/apps/{default_app['id']}"),
        ("DELETE", f"/console/api/apps/{default_app['id']}"),
        ("POST", f"/console/api/apps/{default_app['id']}/workflows/publish"),
        ("GET", f"/console/api/apps/{default_app['id']}/api-keys"),
        ("GET", f"/console/api/apps/{default_app['id']}/export"),
    ):
        response = await gateway.client.request(method, path, json={"name": "x"}, headers=gateway.auth(owner))
        assert response.status_code == 404, (method, path, response.text)
    stranger = await gateway.client.post(
        "/console/api/workspaces/switch", json={"tenant_id": "nope"}, headers=gateway.auth(owner)
    )
    assert stranger.status_code == 404


async def test_app_crud_and_export(gateway) -> None:
    created = await gateway.client.post(
        "/console/api/apps",
        json={"name": "blank", "mode": "advanced-chat", "description": "d"},
        headers=gateway.console,
    )
    assert created.status_code == 201, created.text
    app_id = created.json()["id"]
    updated = await gateway.client.put(
        f"/console/api/apps/{app_id}", json={"name": "renamed"}, headers=gateway.console
    )
    assert updated.json()["name"] == "renamed"
    listed = (
        await gateway.client.get(
            "/console/api/apps", params={"mode": "advanced-chat"}, headers=gateway.console
        )
    ).json()
    assert [a["id"] for a in listed["data"]] == [app_id]
    exported = await gateway.client.get(f"/console/api/apps/{app_id}/export", headers=gateway.console)
    assert "mode: advanced-chat" in exported.json()["data"]
    secret_app = await gateway.import_app("simple_passthrough_workflow.yml")
    assert (
        await gateway.client.delete(f"/console/api/apps/{secret_app['id']}", headers=gateway.console)
    ).status_code == 204
    gone = await gateway.run(secret_app["api_key"], {"inputs": {"query": "x"}, "user": "u"})
    assert gone.status_code == 401  # its keys were revoked with it


async def test_drafts_publish_restore_and_the_service_api_runs_the_published_version(gateway) -> None:
    app = await gateway.import_app("answer_end_with_text.yml")
    base = f"/console/api/apps/{app['id']}"
    draft = (await gateway.client.get(f"{base}/workflows/draft", headers=gateway.console)).json()
    graph = draft["graph"]
    next(n for n in graph["nodes"] if n["id"] == "answer")["data"]["answer"] = "v2 {{#sys.query#}}"
    saved = await gateway.client.post(
        f"{base}/workflows/draft", json={"graph": graph}, headers=gateway.console
    )
    assert saved.status_code == 200, saved.text
    assert (await gateway.chat(app["api_key"], "q")).json()["answer"] == "prefixqsuffix"  # draft is not live
    published = await gateway.client.post(f"{base}/workflows/publish", headers=gateway.console)
    assert published.json()["version"] == 2
    assert (await gateway.chat(app["api_key"], "q")).json()["answer"] == "v2 q"
    versions = (await gateway.client.get(f"{base}/workflows", headers=gateway.console)).json()["items"]
    assert [v["version"] for v in versions] == [2, 1]
    restored = await gateway.client.post(
        f"{base}/workflows/{versions[1]['id']}/restore", headers=gateway.console
    )
    assert restored.status_code == 200
    await gateway.client.post(f"{base}/workflows/publish", headers=gateway.console)
    assert (await gateway.chat(app["api_key"], "q")).json()["answer"] == "prefixqsuffix"
    pinned = await gateway.chat(app["api_key"], "q", workflow_id=versions[0]["id"])
    assert pinned.json()["answer"] == "v2 q"
    bad_graph = await gateway.client.post(
        f"{base}/workflows/draft", json={"graph": {"nodes": []}}, headers=gateway.console
    )
    assert bad_graph.status_code == 400 and bad_graph.json()["code"] == "invalid_dsl"


async def test_app_keys_are_limited_listed_and_revoked(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    path = f"/console/api/apps/{app['id']}/api-keys"
    tokens = [(await gateway.client.post(path, headers=gateway.console)).json() for _ in range(9)]
    assert all(t["token"].startswith("app-") for t in tokens)
    eleventh = await gateway.client.post(path, headers=gateway.console)
    assert eleventh.status_code == 400 and eleventh.json()["code"] == "max_keys_exceeded"
    listed = (await gateway.client.get(path, headers=gateway.console)).json()["data"]
    assert len(listed) == 10 and all(k["token"].endswith("...") and len(k["token"]) < 15 for k in listed)
    newest = tokens[-1]
    assert (await gateway.run(newest["token"], {"inputs": {"query": "x"}, "user": "u"})).status_code == 200
    assert (await gateway.client.delete(f"{path}/{newest['id']}", headers=gateway.console)).status_code == 204
    assert (await gateway.run(newest["token"], {"inputs": {"query": "x"}, "user": "u"})).status_code == 401


async def test_provider_credentials_are_sealed_mirrored_and_never_shown(gateway, caplog) -> None:
    caplog.set_level(logging.DEBUG)
    secret = "sk-test-0123456789abcdef"
    path = "/console/api/workspaces/current/model-providers/openai/credentials"
    stored = await gateway.client.post(
        path, json={"credentials": {"api_key": secret}}, headers=gateway.console
    )
    assert stored.status_code == 200
    svc = gateway.app.state.services
    listed = await gateway.client.get(
        "/console/api/workspaces/current/model-providers", headers=gateway.console
    )
    assert listed.json()["data"][0]["provider"] == "openai" and secret not in listed.text
    assert secret not in await gateway.dump()
    sealed = svc.mirror.values[credentials_key(svc.workspace_id, "openai")]
    assert svc.secret_box.open(sealed) == {"api_key": secret}
    assert (gateway.settings.data_dir / "secret-key").stat().st_mode & 0o777 == 0o600
    assert secret not in caplog.text
    assert (
        await gateway.client.post(
            "/console/api/workspaces/current/model-providers/bad..name/credentials",
            json={"credentials": {"k": "v"}},
            headers=gateway.console,
        )
    ).status_code == 400
    assert (await gateway.client.delete(path, headers=gateway.console)).status_code == 204
    assert credentials_key(svc.workspace_id, "openai") not in svc.mirror.values


@pytest.mark.parametrize("path", ["/console/api/apps", "/console/api/workspaces/current/members"])
async def test_console_needs_a_valid_token(gateway, path) -> None:
    assert (await gateway.client.get(path)).status_code == 401
    assert (await gateway.client.get(path, headers=gateway.auth("session-forged"))).status_code == 401


async def test_openapi_document_lists_dify_and_console_routes(gateway) -> None:
    spec = (await gateway.client.get("/openapi.json")).json()
    for path in (
        "/v1/chat-messages",
        "/v1/workflows/run",
        "/v1/files/upload",
        "/v1/datasets",
        "/console/api/apps/import",
    ):
        assert path in spec["paths"], path
    assert "ChatBody" in spec["components"]["schemas"]
