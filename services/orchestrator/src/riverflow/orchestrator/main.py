"""Orchestrator entry point: settings, telemetry, broker, streams, routes; runs until SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from riverflow.orchestrator.adapters.jetstream import JetStreamRunLog, JetStreamRunOutbox
from riverflow.orchestrator.handlers import build_router
from riverflow.orchestrator.run_advancer import RunAdvancer
from riverflow.orchestrator.settings import OrchestratorSettings
from riverflow.runtime.broker import make_broker
from riverflow.runtime.health import HealthServer
from riverflow.runtime.heap import freeze_startup
from riverflow.runtime.logs import setup_logging
from riverflow.runtime.streams import ensure_streams
from riverflow.runtime.telemetry import setup_telemetry

__all__ = ["serve"]


async def serve(settings: OrchestratorSettings) -> None:
    log = setup_logging("orchestrator", settings.log_level)
    provider = setup_telemetry("orchestrator", settings.telemetry)
    broker = make_broker(settings.nats, service_name="orchestrator", tracer_provider=provider)
    await broker.connect()
    js = broker.connection.jetstream()
    await ensure_streams(js)
    advancer = RunAdvancer(JetStreamRunLog(js), JetStreamRunOutbox(js, broker), settings.state_cache_size)
    broker.include_router(build_router(advancer, settings))
    await broker.start()
    freeze_startup()
    health = HealthServer("0.0.0.0", settings.health_port, lambda: broker.connection.is_connected)
    if settings.health_port:
        await health.start()
    log.info("orchestrator ready on %s", settings.nats.url)

    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
    log.info("orchestrator stopping")
    await health.stop()
    await broker.stop()
    provider.shutdown()


def main() -> None:
    # The standard loop, not uvloop: the code sandbox starts its programs as another user
    # (create_subprocess_exec's user/group/extra_groups), which uvloop's subprocesses do not take.
    asyncio.run(serve(OrchestratorSettings()))


if __name__ == "__main__":
    main()
