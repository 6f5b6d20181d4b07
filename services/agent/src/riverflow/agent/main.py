"""Entry point of the agent service: settings, telemetry, broker and routes, health, until SIGTERM."""

from __future__ import annotations

import asyncio
import signal

from riverflow.agent.adapters.litellm_model import preload
from riverflow.agent.assembly import build_runner
from riverflow.agent.handlers import make_router
from riverflow.agent.settings import AgentSettings
from riverflow.agent.suggestions import make_suggest_router
from riverflow.agent.task_runner import TaskRunner
from riverflow.runtime import event_loop
from riverflow.runtime.broker import make_broker
from riverflow.runtime.health import HealthServer
from riverflow.runtime.heap import freeze_startup
from riverflow.runtime.logs import setup_logging
from riverflow.runtime.streams import ensure_streams
from riverflow.runtime.telemetry import setup_telemetry

__all__ = ["serve", "main"]

SERVICE = "agent"


async def serve(settings: AgentSettings, stop: asyncio.Event) -> None:
    """Run the service until ``stop`` is set, then shut down in reverse order."""
    logger = setup_logging(SERVICE, settings.log_level)
    # litellm takes seconds to import: start now, in a thread; the first model call waits for it.
    litellm_loaded = preload()
    tracer_provider = setup_telemetry(SERVICE, settings.telemetry)
    broker = make_broker(settings.nats, service_name=SERVICE, tracer_provider=tracer_provider)
    wired: list[TaskRunner] = []
    broker.include_router(make_router(settings.nats, lambda: wired[0], settings.max_workers))
    broker.include_router(make_suggest_router(lambda: wired[0]))
    ready = asyncio.Event()
    health = HealthServer(settings.host, settings.health_port, ready.is_set) if settings.health_port else None
    try:
        if health is not None:
            # Liveness answers while we connect; readiness waits for the broker.
            await health.start()
        connection = await broker.connect()
        js = connection.jetstream()
        # Streams first: the task consumer binds to RF_NODE_TASKS and results go to RF_RUN_INBOX.
        await ensure_streams(js)
        wired.append(await build_runner(settings, js, broker))
        await broker.start()
        ready.set()
        freeze_startup()
        # Once more when litellm is in: its tables live as long as the process.
        frozen_again = asyncio.create_task(asyncio.to_thread(litellm_loaded.join))
        frozen_again.add_done_callback(lambda _: freeze_startup())
        logger.info(
            "agent ready: nats=%s health=%s default model=%s",
            settings.nats.url,
            settings.health_port or "off",
            settings.default_model_base_url or "none",
        )
        await stop.wait()
        logger.info("agent stopping")
    finally:
        ready.clear()
        # Stops the task consumer and drains the connection, so no task is left half-handled.
        await broker.stop()
        if health is not None:
            await health.stop()
        tracer_provider.shutdown()


async def _run(settings: AgentSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)


def main() -> None:
    """Build the settings from the environment and serve until SIGTERM or SIGINT."""
    event_loop.run(_run(AgentSettings()))
