"""Entry point of the rag service: settings, telemetry, stores, broker, routes, gRPC, health."""

from __future__ import annotations

import asyncio
import os
import signal

from riverflow.rag.components import Limits, RagComponents
from riverflow.rag.db import open_database
from riverflow.rag.embedding.minilm_weights import load_tokenizer
from riverflow.rag.embedding.registry import EmbedderRegistry
from riverflow.rag.grpc_server import GrpcServer
from riverflow.rag.handlers import make_router
from riverflow.rag.ingest_queue import JetStreamIngestQueue, JetStreamProgressSink
from riverflow.rag.ingestion import IngestionPipeline
from riverflow.rag.ports import VectorStore
from riverflow.rag.rag_streams import ensure_rag_streams
from riverflow.rag.rerank import LiteLLMReranker
from riverflow.rag.retrieval import DatasetRetriever
from riverflow.rag.settings import RagSettings
from riverflow.rag.splitting import TextChunker
from riverflow.rag.uploads import ObjectStoreUploads
from riverflow.runtime.broker import make_broker
from riverflow.runtime.health import HealthServer
from riverflow.runtime.heap import freeze_startup
from riverflow.runtime.logs import setup_logging
from riverflow.runtime.streams import ensure_streams
from riverflow.runtime.telemetry import setup_telemetry

__all__ = ["serve", "main", "open_vector_store"]

SERVICE = "rag"


async def open_vector_store(settings: RagSettings) -> VectorStore:
    if settings.vector_store == "weaviate":
        from riverflow.rag.stores.weaviate import WeaviateStore

        if not settings.weaviate_url:
            raise ValueError("RAG_VECTOR_STORE=weaviate needs RAG_WEAVIATE_URL")
        key = settings.weaviate_api_key.get_secret_value() if settings.weaviate_api_key else None
        return await WeaviateStore.connect(settings.weaviate_url, settings.weaviate_grpc_port, key)
    if settings.vector_store == "memory":
        from riverflow.rag.stores.memory import InMemoryVectorStore

        return InMemoryVectorStore()
    from riverflow.rag.stores.sqlite_vec import SqliteVecStore

    return SqliteVecStore(settings.data_dir / "vectors.sqlite")


def _failpoint(name: str):  # noqa: ANN202
    def hit(point: str) -> None:
        if point == name:
            os._exit(17)  # a crash, not a shutdown: no cleanup, no ack

    return hit


async def serve(settings: RagSettings, stop: asyncio.Event) -> None:
    """Run the service until ``stop`` is set, then shut down in reverse order."""
    logger = setup_logging(SERVICE, settings.log_level)
    tracer_provider = setup_telemetry(SERVICE, settings.telemetry)
    broker = make_broker(settings.nats, service_name=SERVICE, tracer_provider=tracer_provider)
    ready = asyncio.Event()
    health = HealthServer(settings.host, settings.health_port, ready.is_set) if settings.health_port else None
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    url = settings.database_url or f"sqlite+aiosqlite:///{settings.data_dir / 'rag.sqlite'}"
    engine, sessions = await open_database(url)
    store = await open_vector_store(settings)
    grpc_server = None
    api_key = settings.litellm_api_key.get_secret_value() if settings.litellm_api_key else None
    try:
        if health is not None:
            # Liveness answers while we connect; readiness waits for the broker and gRPC.
            await health.start()
        connection = await broker.connect()
        js = connection.jetstream()
        # Streams first: consumers bind to them and results go to RF_RUN_INBOX.
        await ensure_streams(js)
        await ensure_rag_streams(js)
        components = RagComponents(
            sessions=sessions,
            store=store,
            embedders=EmbedderRegistry(
                minilm_backend=settings.minilm_backend,
                batch_size=settings.embed_batch_size,
                litellm_api_base=settings.litellm_api_base or None,
                litellm_api_key=api_key,
            ),
            uploads=ObjectStoreUploads(js),
            queue=JetStreamIngestQueue(js),
            progress=JetStreamProgressSink(js),
            chunker=TextChunker(load_tokenizer(None)),
            default_embedding_provider=settings.embedding_provider,
            default_embedding_model=settings.embedding_model,
            rerankers=lambda provider, model: LiteLLMReranker(
                provider, model, settings.litellm_api_base or None, api_key
            ),
            limits=Limits(max_upload_bytes=settings.max_upload_mb * 1024 * 1024),
        )
        pipeline = IngestionPipeline(
            components, _failpoint(settings.failpoint) if settings.failpoint else None
        )
        broker.include_router(
            make_router(
                settings.nats,
                DatasetRetriever(components),
                pipeline,
                ingest_ack_wait=settings.ingest_ack_wait_seconds,
                ingest_max_deliver=settings.ingest_max_deliver,
                ingest_concurrency=settings.ingest_concurrency,
            )
        )
        await broker.start()
        if settings.grpc_port:
            grpc_server = GrpcServer(components, settings.host, settings.grpc_port)
            await grpc_server.start()
        ready.set()
        freeze_startup()
        logger.info(
            "rag ready: nats=%s grpc=%s health=%s store=%s",
            settings.nats.url,
            grpc_server.port if grpc_server else "off",
            settings.health_port or "off",
            settings.vector_store,
        )
        await stop.wait()
        logger.info("rag stopping")
    finally:
        ready.clear()
        if grpc_server is not None:
            await grpc_server.stop(settings.grpc_grace_seconds)
        # Stops the consumers and drains the connection, so no task is left half-handled.
        await broker.stop()
        await store.close()
        await engine.dispose()
        if health is not None:
            await health.stop()
        tracer_provider.shutdown()


async def _run(settings: RagSettings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    await serve(settings, stop)


def main() -> None:
    """Build the settings from the environment and serve until SIGTERM or SIGINT."""
    asyncio.run(_run(RagSettings()))
