"""Service API and console authentication: Dify's 401s, key scoping, hashed storage, token bootstrap."""

from __future__ import annotations

import logging
import stat

from riverflow.gateway.adapters.memory_store import InMemoryStore
from riverflow.gateway.console_auth import bootstrap_console_token
from riverflow.gateway.credentials import hash_secret, new_api_key, visible_prefix

RUN_BODY = {"inputs": {"query": "q"}, "user": "u1"}
BEARER_MISSING = "Authorization header must be provided and start with 'Bearer'"


async def _post(gateway, headers: dict[str, str]):
    return await gateway.client.post("/v1/workflows/run", json=RUN_BODY, headers=headers)


def _assert_401(response, message: str) -> None:
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer realm="api"'
    assert response.json() == {"code": "unauthorized", "message": message, "status": 401}


async def test_service_api_auth_failures(gateway) -> None:
    await gateway.import_app("simple_passthrough_workflow.yml")
    _assert_401(await _post(gateway, {}), BEARER_MISSING)
    _assert_401(await _post(gateway, {"Authorization": "Bearer"}), BEARER_MISSING)
    _assert_401(await _post(gateway, {"Authorization": "Basic abc"}), "Authorization scheme must be 'Bearer'")
    _assert_401(await _post(gateway, {"Authorization": "Bearer app-unknown"}), "Access token is invalid")


async def test_scheme_word_is_case_insensitive(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    response = await _post(gateway, {"Authorization": f"bEaReR {app['api_key']}"})
    assert response.status_code == 200


async def test_dataset_key_cannot_use_app_routes(gateway) -> None:
    store = gateway.app.state.services.store
    workspace_id = gateway.app.state.services.workspace_id
    key = new_api_key("dataset")
    await store.create_api_key(
        type="dataset",
        workspace_id=workspace_id,
        app_id=None,
        key_hash=hash_secret(key),
        prefix=visible_prefix(key),
    )
    _assert_401(await _post(gateway, {"Authorization": f"Bearer {key}"}), "Access token is invalid")


async def test_console_routes_need_the_console_token(gateway) -> None:
    yaml_text = gateway.fixture_text("simple_passthrough_workflow.yml")
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": f"Bearer {app['api_key']}"}):
        response = await gateway.client.post("/console/api/apps/import", content=yaml_text, headers=headers)
        assert response.status_code == 401
        assert response.json()["code"] == "unauthorized"
        listing = await gateway.client.get("/console/api/apps", headers=headers)
        assert listing.status_code == 401


async def test_keys_are_stored_hashed_only(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    key = app["api_key"]
    assert key.startswith("app-") and len(key) == len("app-") + 24
    raw = await gateway.dump()
    assert key not in raw
    assert gateway.console_token not in raw
    assert hash_secret(key) in raw


async def test_generated_console_token_is_written_privately_and_not_logged(tmp_path, caplog) -> None:
    store = InMemoryStore()
    caplog.set_level(logging.INFO)
    log = logging.getLogger("test.console")
    path = await bootstrap_console_token(store, tmp_path, None, log)
    assert path == tmp_path / "console-token"
    token = path.read_text().strip()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert await store.console_token_valid(hash_secret(token))
    assert token not in store.console_hashes  # only the hash
    assert str(path.resolve()) in caplog.text and token not in caplog.text
    # A restart reuses the same token.
    assert await bootstrap_console_token(store, tmp_path, None, log) == path
    assert path.read_text().strip() == token


async def test_configured_console_token_wins(tmp_path) -> None:
    store = InMemoryStore()
    assert await bootstrap_console_token(store, tmp_path, "from-env", logging.getLogger("t")) is None
    assert await store.console_token_valid(hash_secret("from-env"))
    assert not (tmp_path / "console-token").exists()
