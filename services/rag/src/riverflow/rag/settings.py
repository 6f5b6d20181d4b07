"""The rag service's settings: ``RAG_*``, plus ``NATS_*`` and ``OTEL_*`` for the shared sections."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict
from riverflow.runtime.settings import ServiceSettings

__all__ = ["RagSettings"]


class RagSettings(ServiceSettings):
    """Ports are listen ports on ``host``; 0 turns that listener off."""

    model_config = SettingsConfigDict(env_prefix="RAG_", extra="ignore")

    host: str = "0.0.0.0"
    #: HTTP ``/healthz`` and ``/readyz`` for Kubernetes probes.
    health_port: int = Field(default=8082, ge=0, le=65535)
    #: gRPC ``riverflow.rag.v1.Knowledge``/``Retrieval`` and the health services.
    grpc_port: int = Field(default=50051, ge=0, le=65535)
    #: How long in-flight gRPC calls may finish after SIGTERM.
    grpc_grace_seconds: float = 5.0

    #: Where the embedded stores live (the SQLite metadata DB and the sqlite-vec file).
    data_dir: Path = Path(".riverflow/rag")
    #: SQLAlchemy async URL of the metadata DB; empty: SQLite in ``data_dir`` (PostgreSQL: postgresql+asyncpg://...).
    database_url: str = ""
    #: "sqlite-vec" (embedded, default), "weaviate" (``weaviate_url``) or "memory" (tests; lost on exit).
    vector_store: Literal["sqlite-vec", "weaviate", "memory"] = "sqlite-vec"
    weaviate_url: str = ""
    weaviate_grpc_port: int = 50051
    weaviate_api_key: SecretStr | None = None

    #: The embedding model of new datasets: provider "riverflow" runs locally ("all-MiniLM-L6-v2", or
    #: "hashing-<dim>" for tests); any other provider goes through litellm.
    embedding_provider: str = "riverflow"
    embedding_model: str = "all-MiniLM-L6-v2"
    #: The local model's backend: "onnx" (measured 3-4x faster) or "numpy".
    minilm_backend: Literal["onnx", "numpy"] = "onnx"
    embed_batch_size: int = Field(default=32, ge=1, le=512)
    #: For litellm embedding and rerank models (e.g. a local OpenAI-compatible server).
    litellm_api_base: str = ""
    litellm_api_key: SecretStr | None = None

    max_upload_mb: int = Field(default=15, ge=1, le=60)
    #: An ingestion job not acked (nor marked in progress) within this is redelivered to another replica.
    ingest_ack_wait_seconds: float = 120.0
    #: Documents one replica ingests at once (their chunks share embedding batches).
    ingest_concurrency: int = Field(default=8, ge=1, le=64)
    #: Deliveries before a failing document is marked ``error``.
    ingest_max_deliver: int = Field(default=5, ge=1)
    #: Test only: exit the process at this point of ingestion (``after_store_write``) to prove crash recovery.
    failpoint: str = ""
