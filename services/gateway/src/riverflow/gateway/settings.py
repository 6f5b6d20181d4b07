"""Gateway settings: ``GATEWAY_*`` variables, plus ``RIVERFLOW_DATABASE_URL`` for the database."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import SettingsConfigDict
from riverflow.runtime.settings import ServiceSettings

__all__ = ["GatewaySettings"]


class GatewaySettings(ServiceSettings):
    """Everything the gateway reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 5001
    #: HTTP worker processes on the one port, each a full gateway replica (as several pods are):
    #: one event loop is about one core's worth of requests. Rate limits count per worker.
    workers: int = Field(default=1, ge=1)
    #: Holds the default SQLite database and the generated ``console-token`` file.
    data_dir: Path = Path(".riverflow")
    database_url: str | None = Field(
        default=None, validation_alias=AliasChoices("RIVERFLOW_DATABASE_URL", "database_url")
    )
    #: Console admin token; when unset one is generated on first start (see ``console_auth``).
    console_token: SecretStr | None = None
    #: ``nats`` (the platform) or ``memory`` (engine in-process, single-process development).
    bus: Literal["nats", "memory"] = "nats"
    ping_interval_seconds: float = 10.0
    blocking_timeout_seconds: float = 600.0
    #: JSON and form bodies; uploads (files, audio, documents) have ``max_upload_bytes``.
    max_body_bytes: int = 10 * 1024 * 1024
    max_upload_bytes: int = 105 * 1024 * 1024
    #: Per-type upload limits in MB, as Dify's ``system_parameters``.
    file_size_limit_mb: int = 15
    image_file_size_limit_mb: int = 10
    audio_file_size_limit_mb: int = 50
    video_file_size_limit_mb: int = 100
    #: Requests per minute per API key (app or dataset) and per console login attempt source.
    rate_limit_per_minute: int = 600
    login_attempts_per_minute: int = 10
    #: How long a key check's answer is reused (0: every request reads the database). A change
    #: to a key, app or published version clears it in every gateway process at once over NATS;
    #: this bounds a process that missed that notice.
    key_cache_seconds: float = Field(default=5.0, ge=0)
    session_ttl_seconds: float = 30 * 24 * 3600.0
    #: Key of the provider-credential encryption (``RIVERFLOW_SECRET_KEY``); generated into
    #: ``<data_dir>/secret-key`` when unset.
    secret_key: SecretStr | None = Field(
        default=None, validation_alias=AliasChoices("RIVERFLOW_SECRET_KEY", "secret_key")
    )
    #: Durable JetStream consumer of run events shared by the gateway replicas (the recorder).
    recorder_durable: str = "gateway-recorder"
    #: Read the runs this gateway starts from one consumer over every run's events (``RunFeed``)
    #: instead of one consumer per run. Every replica's feed receives every run's events, tokens
    #: included: with many replicas, turn it off.
    run_feed: bool = True
    #: How long a request waits for the recorder before answering (read-your-writes).
    recorder_wait_seconds: float = 5.0
    #: ``memory`` (reference implementation, in-process) or ``grpc`` (the rag service).
    knowledge: Literal["memory", "grpc"] = "memory"
    rag_target: str = "127.0.0.1:50051"

    @property
    def files_dir(self) -> Path:
        return self.data_dir / "files"

    @model_validator(mode="after")
    def _one_process_for_the_memory_bus(self) -> GatewaySettings:
        if self.workers > 1 and self.bus == "memory":
            raise ValueError(
                "GATEWAY_WORKERS > 1 needs GATEWAY_BUS=nats: the memory bus lives in one process"
            )
        return self

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'riverflow.db').resolve()}"
