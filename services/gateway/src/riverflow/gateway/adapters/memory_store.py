"""``Store`` in memory: the reference implementation the SQL store is checked against."""

from __future__ import annotations

import dataclasses
import time
import uuid

from riverflow.gateway.records import ApiKeyRecord, AppRecord, NewApp, RunRecord, VersionRecord

__all__ = ["InMemoryStore"]


class InMemoryStore:
    """Dicts of records; each method is atomic because it validates before it mutates."""

    def __init__(self) -> None:
        self.workspaces: dict[str, str] = {}  # name -> id
        self.apps: dict[str, AppRecord] = {}
        self.versions: dict[str, VersionRecord] = {}
        self.keys: dict[str, tuple[str, ApiKeyRecord]] = {}  # id -> (hash, record)
        self.console_hashes: set[str] = set()
        self.runs: dict[str, RunRecord] = {}

    async def ensure_workspace(self, name: str = "default") -> str:
        return self.workspaces.setdefault(name, str(uuid.uuid4()))

    async def create_app(self, new: NewApp) -> tuple[AppRecord, VersionRecord, ApiKeyRecord]:
        if new.workspace_id not in self.workspaces.values():
            raise ValueError(f"unknown workspace {new.workspace_id}")
        if any(key_hash == new.key_hash for key_hash, _ in self.keys.values()):
            raise ValueError("duplicate key hash")
        now = time.time()
        app = AppRecord(
            str(uuid.uuid4()), new.workspace_id, new.name, new.mode, new.description, new.icon, now
        )
        version = VersionRecord(str(uuid.uuid4()), app.id, 1, new.dsl, True, now)
        key = ApiKeyRecord(str(uuid.uuid4()), "app", new.key_prefix, new.workspace_id, app.id, now)
        self.apps[app.id], self.versions[version.id] = app, version
        self.keys[key.id] = (new.key_hash, key)
        return app, version, key

    async def list_apps(self, workspace_id: str) -> list[AppRecord]:
        return [app for app in self.apps.values() if app.workspace_id == workspace_id]

    async def get_app(self, app_id: str) -> AppRecord | None:
        return self.apps.get(app_id)

    async def published_version(self, app_id: str) -> VersionRecord | None:
        published = [v for v in self.versions.values() if v.app_id == app_id and v.published]
        return max(published, key=lambda v: v.version, default=None)

    async def create_api_key(
        self, *, type: str, workspace_id: str, app_id: str | None, key_hash: str, prefix: str
    ) -> ApiKeyRecord:
        if any(existing == key_hash for existing, _ in self.keys.values()):
            raise ValueError("duplicate key hash")
        key = ApiKeyRecord(str(uuid.uuid4()), type, prefix, workspace_id, app_id, time.time())
        self.keys[key.id] = (key_hash, key)
        return key

    async def find_api_key(self, key_hash: str, type: str) -> ApiKeyRecord | None:
        for existing, key in self.keys.values():
            if existing == key_hash and key.type == type and not key.revoked:
                return key
        return None

    async def add_console_token(self, token_hash: str) -> None:
        self.console_hashes.add(token_hash)

    async def has_console_tokens(self) -> bool:
        return bool(self.console_hashes)

    async def console_token_valid(self, token_hash: str) -> bool:
        return token_hash in self.console_hashes

    async def create_run(self, run: RunRecord) -> None:
        if run.id in self.runs:
            raise ValueError(f"duplicate run {run.id}")
        self.runs[run.id] = dataclasses.replace(run)

    async def finish_run(self, run: RunRecord) -> None:
        if run.id in self.runs:
            self.runs[run.id] = dataclasses.replace(run)

    async def get_run(self, app_id: str, run_id: str) -> RunRecord | None:
        run = self.runs.get(run_id)
        return dataclasses.replace(run) if run is not None and run.app_id == app_id else None
