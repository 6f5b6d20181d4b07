"""Process entry point: settings, logging, telemetry, database, bus, the app, then uvicorn."""

from __future__ import annotations

import functools

import uvicorn
from fastapi import FastAPI
from riverflow.gateway.adapters.credential_mirror import InMemoryCredentialMirror
from riverflow.gateway.adapters.memory_bus import InMemoryRunBus
from riverflow.gateway.adapters.memory_knowledge import InMemoryKnowledge
from riverflow.gateway.adapters.sql_database import make_engine, migrate
from riverflow.gateway.adapters.sql_store import SqlStore
from riverflow.gateway.adapters.suggester import InMemorySuggester, NatsSuggester
from riverflow.gateway.app import create_app
from riverflow.gateway.ports import CredentialMirror, KnowledgeBackend, RunBus, Suggester
from riverflow.gateway.settings import GatewaySettings
from riverflow.runtime.logs import setup_logging
from riverflow.runtime.telemetry import setup_telemetry

__all__ = ["build", "main"]

SERVICE = "gateway"


def _bus(settings: GatewaySettings, tracer_provider: object) -> tuple[RunBus, CredentialMirror, Suggester]:
    if settings.bus == "memory":
        return InMemoryRunBus(), InMemoryCredentialMirror(), InMemorySuggester()
    from riverflow.gateway.adapters.credential_mirror import NatsCredentialMirror
    from riverflow.gateway.adapters.nats_bus import NatsRunBus
    from riverflow.runtime.broker import make_broker

    broker = make_broker(settings.nats, service_name=SERVICE, tracer_provider=tracer_provider)
    bus = NatsRunBus(broker, recorder_durable=settings.recorder_durable)
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
    )


def main() -> None:
    settings = GatewaySettings()
    app = build(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level=settings.log_level.lower())
