"""Rag test fixtures: the service's parts wired in process (SQLite in a temp dir, or PostgreSQL in a
fresh schema; hashing embedder)."""

from __future__ import annotations

import uuid
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
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine


@dataclass
class Rag:
    components: RagComponents
    queue: InlineIngestQueue
    progress: InMemoryProgressSink
    pipeline: IngestionPipeline


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def rag_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[tuple[str, dict]]:
    """The metadata database of the service under test (URL, engine arguments): every DB test runs on both."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'rag.sqlite'}", {}
        return
    url = request.getfixturevalue("postgres_url")
    schema = f"rag_test_{uuid.uuid4().hex[:12]}"  # a fresh schema per test: reruns start clean
    admin = create_async_engine(url)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield url, {"connect_args": {"server_settings": {"search_path": schema}}}
    finally:
        async with admin.begin() as conn:
            await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        await admin.dispose()


@pytest.fixture
async def rag(tmp_path: Path, rag_database_url: tuple[str, dict]) -> AsyncIterator[Rag]:
    url, engine_args = rag_database_url
    engine, sessions = await open_database(url, **engine_args)
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
