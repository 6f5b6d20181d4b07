"""Process entry point: settings, logging, telemetry, database, bus, the app, then uvicorn."""

from __future__ import annotations

import functools

import uvicorn
from fastapi import FastAPI
from riverflow.gateway.adapters.memory_bus import InMemoryRunBus
from riverflow.gateway.adapters.sql_database import make_engine, migrate
from riverflow.gateway.adapters.sql_store import SqlStore
from riverflow.gateway.app import create_app
from riverflow.gateway.ports import RunBus
from riverflow.gateway.settings import GatewaySettings
from riverflow.runtime.logs import setup_logging
from riverflow.runtime.telemetry import setup_telemetry

__all__ = ["build", "main"]

SERVICE = "gateway"


def _bus(settings: GatewaySettings, tracer_provider: object) -> RunBus:
    if settings.bus == "memory":
        return InMemoryRunBus()
    from riverflow.gateway.adapters.nats_bus import NatsRunBus
    from riverflow.runtime.broker import make_broker

    return NatsRunBus(make_broker(settings.nats, service_name=SERVICE, tracer_provider=tracer_provider))


def build(settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway app wired from ``settings`` (default: the environment)."""
    settings = settings or GatewaySettings()
    setup_logging(SERVICE, settings.log_level)
    provider = setup_telemetry(SERVICE, settings.telemetry)
    engine = make_engine(settings.resolved_database_url())
    return create_app(
        settings,
        SqlStore(engine),
        _bus(settings, provider),
        prepare_store=functools.partial(migrate, engine),
        tracer_provider=provider,
    )


def main() -> None:
    settings = GatewaySettings()
    app = build(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower())
