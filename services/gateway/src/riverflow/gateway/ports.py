"""The gateway's ports: the run bus and the store, each a small Protocol with several adapters."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Protocol

from riverflow.contracts.events.v1 import RunEvent, RunRequested
from riverflow.gateway.records import ApiKeyRecord, AppRecord, NewApp, RunRecord, VersionRecord

__all__ = ["RunBus", "Store"]


class RunBus(Protocol):
    """Sends run requests to whatever executes runs, and reads back their client-facing events."""

    async def start(self) -> None: ...

    async def close(self) -> None: ...

    async def publish_run(self, request: RunRequested) -> None:
        """Hand the request over; publishing the same ``run_id`` twice starts one run."""
        ...

    def events(self, run_id: str) -> AsyncIterator[RunEvent]:
        """The run's events from its first one, in ``seq`` order, ending after the terminal event.

        Works however late it is called (before or after the run started or even finished).
        """
        ...


class Store(Protocol):
    """Persistence of workspaces, apps, keys, console tokens and finished runs.

    Every method is one transaction: a failed call leaves nothing behind.
    """

    async def ensure_workspace(self, name: str = "default") -> str: ...

    async def create_app(self, new: NewApp) -> tuple[AppRecord, VersionRecord, ApiKeyRecord]: ...

    async def list_apps(self, workspace_id: str) -> list[AppRecord]: ...

    async def get_app(self, app_id: str) -> AppRecord | None: ...

    async def published_version(self, app_id: str) -> VersionRecord | None: ...

    async def create_api_key(
        self, *, type: str, workspace_id: str, app_id: str | None, key_hash: str, prefix: str
    ) -> ApiKeyRecord: ...

    async def find_api_key(self, key_hash: str, type: str) -> ApiKeyRecord | None:
        """The live (not revoked) key of that type with that hash."""
        ...

    async def add_console_token(self, token_hash: str) -> None: ...

    async def has_console_tokens(self) -> bool: ...

    async def console_token_valid(self, token_hash: str) -> bool: ...

    async def create_run(self, run: RunRecord) -> None: ...

    async def finish_run(self, run: RunRecord) -> None:
        """Write the run's final fields (status, outputs, error, timings)."""
        ...

    async def get_run(self, app_id: str, run_id: str) -> RunRecord | None:
        """The run, only if it belongs to ``app_id``."""
        ...
