"""The studio (the browser app built from ``studio/``) served at ``/studio`` from the same origin.

Hashed ``assets/`` are immutable; ``index.html`` is revalidated on every load; unknown paths under
``/studio`` fall back to ``index.html`` (client-side routes). When the build is missing, ``/studio``
answers a page saying how to build it. The directory is ``GATEWAY_STUDIO_DIST`` or ``studio/dist`` of
the source checkout.
"""

from __future__ import annotations

import os
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

__all__ = ["mount_studio", "default_studio_dist"]

_MISSING = """<!doctype html><html><head><meta charset="utf-8"><link rel="icon" href="data:,">
<title>Riverflow Studio is not built</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>Riverflow Studio is not built</h1>
<p>The gateway serves the studio from <code>{dist}</code>, which has no <code>index.html</code>.</p>
<p>Build it with <code>make up</code> (it builds the studio when missing) or
<code>cd studio &amp;&amp; npm ci &amp;&amp; npm run build</code>, then reload this page.</p>
</body></html>"""


def default_studio_dist() -> Path:
    """``GATEWAY_STUDIO_DIST``, else ``studio/dist`` of the checkout this package runs from."""
    configured = os.environ.get("GATEWAY_STUDIO_DIST")
    if configured:
        return Path(configured)
    for parent in Path(__file__).resolve().parents:
        if (parent / "studio" / "package.json").is_file():
            return parent / "studio" / "dist"
    return Path("studio/dist").resolve()


class _StudioFiles(StaticFiles):
    """Static files with the SPA fallback, cache headers, and the "not built" page."""

    def __init__(self, dist: Path) -> None:
        super().__init__(directory=dist, html=True, check_dir=False)
        self.dist = dist

    async def check_config(self) -> None:
        # A missing build is answered by get_response, not refused as a misconfiguration.
        if self.dist.is_dir():
            await super().check_config()

    async def get_response(self, path: str, scope: Scope) -> Response:
        if not (self.dist / "index.html").is_file():
            return HTMLResponse(_MISSING.format(dist=self.dist), status_code=404)
        try:
            response = await super().get_response(path, scope)
        except StarletteHTTPException as exc:
            if exc.status_code != 404 or path.startswith("assets/"):
                raise
            response = await super().get_response("index.html", scope)
        immutable = path.startswith("assets/") and response.status_code == 200
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
        return response


def mount_studio(app: FastAPI, dist: Path | None = None) -> None:
    """Serve the studio at ``/studio``; register after the API routers so it shadows none of them."""

    @app.get("/studio", include_in_schema=False)
    async def studio_root() -> RedirectResponse:
        return RedirectResponse("/studio/", status_code=307)

    app.mount("/studio", _StudioFiles(dist or default_studio_dist()), name="studio")
