"""The FastAPI application: routers, Dify error handling, middleware, and the startup sequence."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from fastapi import FastAPI
from opentelemetry.trace import TracerProvider
from riverflow.gateway.api.console import apps as console_apps
from riverflow.gateway.api.deps import Services
from riverflow.gateway.api.service import workflows
from riverflow.gateway.console_auth import bootstrap_console_token
from riverflow.gateway.errors import install_error_handlers
from riverflow.gateway.middleware import BodyLimitMiddleware, TracingMiddleware
from riverflow.gateway.ports import RunBus, Store
from riverflow.gateway.relay import RunRecorder
from riverflow.gateway.settings import GatewaySettings

__all__ = ["create_app"]

log = logging.getLogger("riverflow.gateway")


def create_app(
    settings: GatewaySettings,
    store: Store,
    bus: RunBus,
    *,
    prepare_store: Callable[[], Awaitable[None]] | None = None,
    tracer_provider: TracerProvider | None = None,
) -> FastAPI:
    """Build the app; on startup it prepares the store, the console token and the bus.

    ``prepare_store`` (e.g. Alembic migrations) runs first; the bus is started and closed with the app.
    Request spans use ``tracer_provider`` (default: the global one).
    """
    svc = Services(
        settings=settings,
        store=store,
        bus=bus,
        recorder=RunRecorder(bus, store, settings.blocking_timeout_seconds),
    )

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if prepare_store is not None:
            await prepare_store()
        svc.workspace_id = await store.ensure_workspace()
        configured = settings.console_token.get_secret_value() if settings.console_token else None
        await bootstrap_console_token(store, settings.data_dir, configured, log)
        await bus.start()
        try:
            yield
        finally:
            await svc.recorder.drain()
            await bus.close()

    app = FastAPI(title="Riverflow gateway", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.services = svc
    install_error_handlers(app)
    app.include_router(workflows.router)
    app.include_router(console_apps.router)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(TracingMiddleware, tracer_provider=tracer_provider)
    return app
