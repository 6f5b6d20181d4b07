"""Rag test fixtures: the service's parts wired in process (SQLite in a temp dir, hashing embedder)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import grpc
import pytest
from riverflow.rag.components import RagComponents
from riverflow.rag.db import open_database
from riverflow.rag.embedding.minilm_weights import load_tokenizer
from riverflow.rag.embedding.registry import EmbedderRegistry
from riverflow.rag.grpc_server import GrpcServer
from riverflow.rag.ingest_queue import InlineIngestQueue, InMemoryProgressSink
from riverflow.rag.ingestion import IngestionPipeline
from riverflow.rag.splitting import TextChunker
from riverflow.rag.stores.sqlite_vec import SqliteVecStore
from riverflow.rag.uploads import InMemoryUploadStore


@dataclass
class Rag:
    components: RagComponents
    queue: InlineIngestQueue
    progress: InMemoryProgressSink
    pipeline: IngestionPipeline


@pytest.fixture
async def rag(tmp_path: Path) -> AsyncIterator[Rag]:
    engine, sessions = await open_database(f"sqlite+aiosqlite:///{tmp_path / 'rag.sqlite'}")
    store = SqliteVecStore(tmp_path / "vectors.sqlite")
    queue, progress = InlineIngestQueue(), InMemoryProgressSink()
    components = RagComponents(
        sessions=sessions,
        store=store,
        embedders=EmbedderRegistry(allow_litellm=False),
        uploads=InMemoryUploadStore(),
        queue=queue,
        progress=progress,
        chunker=TextChunker(load_tokenizer(None)),
        default_embedding_model="hashing-256",
    )
    pipeline = IngestionPipeline(components)
    queue.run = pipeline.run
    yield Rag(components, queue, progress, pipeline)
    await queue.drain()
    await store.close()
    await engine.dispose()


@pytest.fixture
async def channel(rag: Rag) -> AsyncIterator[grpc.aio.Channel]:
    server = GrpcServer(rag.components, "127.0.0.1", 0)
    await server.start()
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as chan:
        yield chan
    await server.stop(grace=1)
