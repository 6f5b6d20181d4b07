"""The FastAPI application: routers, Dify error handling, middleware, and the startup sequence."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from opentelemetry.trace import TracerProvider
from riverflow.gateway.adapters.credential_mirror import InMemoryCredentialMirror
from riverflow.gateway.adapters.memory_knowledge import InMemoryKnowledge
from riverflow.gateway.adapters.suggester import InMemorySuggester
from riverflow.gateway.api.console import apps as console_apps
from riverflow.gateway.api.console import auth as console_auth
from riverflow.gateway.api.console import debug_messages as console_debug_messages
from riverflow.gateway.api.console import draft_run as console_draft_run
from riverflow.gateway.api.console import keys as console_keys
from riverflow.gateway.api.console import last_run as console_last_run
from riverflow.gateway.api.console import mcp as console_mcp
from riverflow.gateway.api.console import providers as console_providers
from riverflow.gateway.api.console import run_history as console_run_history
from riverflow.gateway.api.console import single_step as console_single_step
from riverflow.gateway.api.console import versions as console_versions
from riverflow.gateway.api.console import workspaces as console_workspaces
from riverflow.gateway.api.deps import Services
from riverflow.gateway.api.service import (
    app_info,
    audio,
    chat,
    conversations,
    files,
    knowledge,
    messages,
    workflows,
)
from riverflow.gateway.console_auth import bootstrap_console_token
from riverflow.gateway.errors import install_error_handlers
from riverflow.gateway.key_grants import KeyGrants
from riverflow.gateway.mcp_server import MCP_PATH, McpEndpoint
from riverflow.gateway.middleware import BodyLimitMiddleware, TracingMiddleware
from riverflow.gateway.ports import CredentialMirror, KnowledgeBackend, RunBus, Store, Suggester
from riverflow.gateway.rate_limit import RateLimiter
from riverflow.gateway.run_recorder import RunRecorder
from riverflow.gateway.secret_key import load_secret_box
from riverflow.gateway.settings import GatewaySettings
from riverflow.gateway.studio_static import mount_studio
from riverflow.runtime.telemetry import records_spans

__all__ = ["create_app"]

log = logging.getLogger("riverflow.gateway")

_ROUTERS = (
    chat,
    workflows,
    files,
    messages,
    conversations,
    app_info,
    audio,
    knowledge,
    console_auth,
    console_workspaces,
    console_apps,
    console_versions,
    console_draft_run,
    console_debug_messages,
    console_run_history,
    console_single_step,
    console_last_run,
    console_keys,
    console_providers,
    console_mcp,
)


def create_app(
    settings: GatewaySettings,
    store: Store,
    bus: RunBus,
    *,
    prepare_store: Callable[[], Awaitable[None]] | None = None,
    tracer_provider: TracerProvider | None = None,
    knowledge_backend: KnowledgeBackend | None = None,
    mirror: CredentialMirror | None = None,
    suggester: Suggester | None = None,
    on_ready: Callable[[], None] | None = None,
) -> FastAPI:
    """Build the app; on startup it prepares the store, the console token, the secret key and the
    bus, and starts recording run events.

    ``prepare_store`` (e.g. Alembic migrations) runs first; the bus is started and closed with the app.
    ``on_ready`` runs once all that is done (the process's ``freeze_startup``).
    Request spans use ``tracer_provider`` (default: the global one).
    """
    svc = Services(
        settings=settings,
        store=store,
        bus=bus,
        recorder=RunRecorder(store, announce=bus.announce_recorded),
        grants=KeyGrants(store, settings.key_cache_seconds, announce=bus.announce_grants_changed),
        knowledge=knowledge_backend or InMemoryKnowledge(),
        mirror=mirror or InMemoryCredentialMirror(),
        limiter=RateLimiter(settings.rate_limit_per_minute),
        login_limiter=RateLimiter(settings.login_attempts_per_minute),
        suggester=suggester or InMemorySuggester(),
    )
    mcp = McpEndpoint(svc)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if prepare_store is not None:
            await prepare_store()
        svc.workspace_id = await store.ensure_workspace()
        configured = settings.console_token.get_secret_value() if settings.console_token else None
        await bootstrap_console_token(store, settings.data_dir, configured, log)
        svc.secret_box = load_secret_box(settings, log)
        await bus.start()
        await bus.on_recorded(svc.recorder.mark_recorded)
        await bus.on_grants_changed(svc.grants.forget)
        await bus.consume_events(svc.recorder.handle)
        if on_ready is not None:
            on_ready()
        try:
            async with mcp.run():
                yield
        finally:
            await bus.close()

    app = FastAPI(
        title="Riverflow gateway",
        version="1",
        description="Dify's Service API (/v1, app and dataset keys) and the console API (/console/api).",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        # TracingMiddleware makes the request's span; FastAPI's own would be a second SERVER span
        # per request, and it records the query string (signed file URLs carry ``sign=``).
        telemetry={"tracing": False, "metrics": False, "logs": False},
    )
    app.state.services = svc
    install_error_handlers(app)
    for module in _ROUTERS:
        app.include_router(module.router)
    app.router.add_route(MCP_PATH, mcp, methods=["GET", "POST", "DELETE"], include_in_schema=False)

    @app.get("/health", include_in_schema=False)
    @app.get("/healthz", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", include_in_schema=False)
    async def ready() -> JSONResponse:
        # Ready once the bus is connected: a gateway that cannot publish runs takes no traffic.
        if getattr(svc.bus, "is_connected", True):
            return JSONResponse({"status": "ready"})
        return JSONResponse({"status": "not ready"}, status_code=503)

    mount_studio(app)  # the browser studio at /studio, after every API route

    app.add_middleware(
        BodyLimitMiddleware, max_bytes=settings.max_body_bytes, upload_bytes=settings.max_upload_bytes
    )
    if records_spans(tracer_provider):
        app.add_middleware(TracingMiddleware, tracer_provider=tracer_provider)
    return app
