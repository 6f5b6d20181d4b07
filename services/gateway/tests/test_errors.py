"""Every error answers Dify's ``{code, message, status}``: 404, 405, 400 for 422, 413, 500."""

from __future__ import annotations

from fastapi import APIRouter


async def test_unknown_route_is_json_404(gateway) -> None:
    response = await gateway.client.get("/v1/nothing-here")
    assert response.status_code == 404
    body = response.json()
    assert body["code"] == "not_found" and body["status"] == 404 and body["message"]


async def test_wrong_method_is_json_405(gateway) -> None:
    response = await gateway.client.get("/v1/workflows/run")
    assert response.status_code == 405
    assert response.json()["code"] == "method_not_allowed"
    assert response.json()["status"] == 405


async def test_fastapi_validation_errors_become_invalid_param(gateway) -> None:
    router = APIRouter()

    @router.get("/probe/{number}")
    async def probe(number: int) -> dict:
        return {"number": number}

    gateway.app.include_router(router)
    response = await gateway.client.get("/probe/not-a-number")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_param" and body["status"] == 400
    assert body["params"] == "number" and "number" in body["message"]


async def test_crash_is_500_without_internals(gateway) -> None:
    router = APIRouter()

    @router.get("/boom")
    async def boom() -> dict:
        raise RuntimeError("secret database password in a stack trace")

    gateway.app.include_router(router)
    response = await gateway.client.get("/boom")
    assert response.status_code == 500
    body = response.json()
    assert body["code"] == "internal_server_error" and body["status"] == 500
    assert "secret" not in response.text and "RuntimeError" not in response.text


async def test_body_over_the_limit_is_413(gateway) -> None:
    limit = gateway.settings.max_body_bytes
    response = await gateway.client.post(
        "/console/api/apps/import",
        content=b"x" * (limit + 1),
        headers={"Authorization": f"Bearer {gateway.console_token}"},
    )
    assert response.status_code == 413
    assert response.json()["code"] == "request_entity_too_large"


async def test_chunked_body_over_the_limit_is_413(gateway) -> None:
    limit = gateway.settings.max_body_bytes

    async def chunks():
        for _ in range(limit // (1024 * 1024) + 2):
            yield b"y" * (1024 * 1024)

    response = await gateway.client.post(
        "/console/api/apps/import",
        content=chunks(),
        headers={"Authorization": f"Bearer {gateway.console_token}"},
    )
    assert response.status_code == 413
