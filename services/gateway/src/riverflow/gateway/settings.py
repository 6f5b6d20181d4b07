"""Gateway settings: ``GATEWAY_*`` variables, plus ``RIVERFLOW_DATABASE_URL`` for the database."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, Field, SecretStr
from pydantic_settings import SettingsConfigDict
from riverflow.runtime.settings import ServiceSettings

__all__ = ["GatewaySettings"]


class GatewaySettings(ServiceSettings):
    """Everything the gateway reads from its environment."""

    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    host: str = "127.0.0.1"
    port: int = 5001
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
    max_body_bytes: int = 10 * 1024 * 1024

    def resolved_database_url(self) -> str:
        """The configured URL, or a SQLite file under ``data_dir``."""
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.data_dir / 'riverflow.db').resolve()}"
