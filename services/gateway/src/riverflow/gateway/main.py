"""Process entry point: settings, logging, telemetry, database, bus, the app, then uvicorn."""

from __future__ import annotations

import asyncio
import functools
import logging

import uvicorn
from fastapi import FastAPI
from riverflow.gateway.adapters.credential_mirror import InMemoryCredentialMirror
from riverflow.gateway.adapters.memory_bus import InMemoryRunBus
from riverflow.gateway.adapters.memory_knowledge import InMemoryKnowledge
from riverflow.gateway.adapters.sql_database import make_engine, migrate
from riverflow.gateway.adapters.sql_store import SqlStore
from riverflow.gateway.adapters.suggester import InMemorySuggester, NatsSuggester
from riverflow.gateway.app import create_app
from riverflow.gateway.console_auth import bootstrap_console_token
from riverflow.gateway.ports import CredentialMirror, KnowledgeBackend, RunBus, Suggester
from riverflow.gateway.secret_key import load_secret_box
from riverflow.gateway.settings import GatewaySettings
from riverflow.runtime.heap import freeze_startup
from riverflow.runtime.logs import setup_logging
from riverflow.runtime.telemetry import setup_telemetry

__all__ = ["build", "main", "prepare"]

SERVICE = "gateway"


def _bus(settings: GatewaySettings, tracer_provider: object) -> tuple[RunBus, CredentialMirror, Suggester]:
    if settings.bus == "memory":
        return InMemoryRunBus(), InMemoryCredentialMirror(), InMemorySuggester()
    from riverflow.gateway.adapters.credential_mirror import NatsCredentialMirror
    from riverflow.gateway.adapters.nats_bus import NatsRunBus
    from riverflow.runtime.broker import make_broker

    broker = make_broker(settings.nats, service_name=SERVICE, tracer_provider=tracer_provider)
    bus = NatsRunBus(broker, recorder_durable=settings.recorder_durable, run_feed=settings.run_feed)
    return bus, NatsCredentialMirror(broker), NatsSuggester(broker)


def _knowledge(settings: GatewaySettings) -> KnowledgeBackend:
    if settings.knowledge == "grpc":
        from riverflow.gateway.adapters.grpc_knowledge import GrpcKnowledge

        return GrpcKnowledge(settings.rag_target)
    return InMemoryKnowledge()


def build(settings: GatewaySettings | None = None) -> FastAPI:
    """The gateway app wired from ``settings`` (default: the environment)."""
    settings = settings or GatewaySettings()
    setup_logging(SERVICE, settings.log_level)
    provider = setup_telemetry(SERVICE, settings.telemetry)
    engine = make_engine(settings.resolved_database_url())
    bus, mirror, suggester = _bus(settings, provider)
    return create_app(
        settings,
        SqlStore(engine),
        bus,
        prepare_store=functools.partial(migrate, engine),
        tracer_provider=provider,
        knowledge_backend=_knowledge(settings),
        mirror=mirror,
        suggester=suggester,
        on_ready=freeze_startup,
    )


async def prepare(settings: GatewaySettings) -> None:
    """What each worker's start would otherwise race to do first: migrate the database, create the
    default workspace, the console token and the secret key files. Workers then find them made."""
    log = logging.getLogger("riverflow.gateway")
    engine = make_engine(settings.resolved_database_url())
    try:
        await migrate(engine)
        store = SqlStore(engine)
        await store.ensure_workspace()
        configured = settings.console_token.get_secret_value() if settings.console_token else None
        await bootstrap_console_token(store, settings.data_dir, configured, log)
        load_secret_box(settings, log)
    finally:
        await engine.dispose()


def main() -> None:
    settings = GatewaySettings()
    level = settings.log_level.lower()
    if settings.workers == 1:
        uvicorn.run(build(settings), host=settings.host, port=settings.port, log_level=level)
        return
    setup_logging(SERVICE, settings.log_level)
    asyncio.run(prepare(settings))
    # Each worker builds its own app from the environment (uvicorn imports the factory).
    uvicorn.run(
        "riverflow.gateway.main:build",
        factory=True,
        workers=settings.workers,
        host=settings.host,
        port=settings.port,
        log_level=level,
    )
