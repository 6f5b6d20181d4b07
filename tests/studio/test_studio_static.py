"""The gateway's /studio mount: SPA fallback, cache headers, API routes untouched, the "not built" page."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient
from riverflow.gateway.studio_static import mount_studio


def _app(dist: Path) -> TestClient:
    app = FastAPI()

    @app.get("/console/api/ping")
    async def ping() -> dict[str, str]:
        return {"pong": "yes"}

    mount_studio(app, dist)
    return TestClient(app)


def _build(dist: Path) -> None:
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_text("<!doctype html><div id=root></div>")
    (dist / "assets" / "index-abc123.js").write_text("console.log('studio')")


def test_serves_index_assets_and_client_routes(tmp_path: Path) -> None:
    _build(tmp_path)
    client = _app(tmp_path)

    root = client.get("/studio", follow_redirects=False)
    assert root.status_code == 307 and root.headers["location"] == "/studio/"
    index = client.get("/studio/")
    assert index.status_code == 200 and "id=root" in index.text
    assert index.headers["cache-control"] == "no-cache"

    asset = client.get("/studio/assets/index-abc123.js")
    assert asset.status_code == 200 and "studio" in asset.text
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"

    route = client.get("/studio/apps/123/workflow")
    assert route.status_code == 200 and "id=root" in route.text
    assert route.headers["cache-control"] == "no-cache"

    assert client.get("/studio/assets/missing.js").status_code == 404
    assert client.get("/console/api/ping").json() == {"pong": "yes"}


def test_missing_build_says_how_to_build(tmp_path: Path) -> None:
    client = _app(tmp_path / "dist")
    page = client.get("/studio/")
    assert page.status_code == 404
    assert "not built" in page.text and "npm run build" in page.text and "make up" in page.text
    # Building after the gateway started is picked up without a restart.
    _build(tmp_path / "dist")
    assert client.get("/studio/apps").status_code == 200
