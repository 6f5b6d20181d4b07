"""``Store`` in memory: the reference implementation the SQL store is checked against."""

from __future__ import annotations

import dataclasses
import time
import uuid
from collections.abc import Sequence
from typing import Any

from riverflow.gateway.adapters.memory_accounts import InMemoryAccounts
from riverflow.gateway.adapters.memory_chat import InMemoryChat
from riverflow.gateway.adapters.memory_mcp import InMemoryMcpServers
from riverflow.gateway.chat_records import ConversationRecord, MessageRecord
from riverflow.gateway.generation_records import MessageOutcome
from riverflow.gateway.records import (
    ApiKeyRecord,
    AppRecord,
    DraftRecord,
    KeyGrant,
    NewApp,
    NodeExecutionRecord,
    RunQuery,
    RunRecord,
    VersionRecord,
    WorkspaceRecord,
)

__all__ = ["InMemoryStore"]

_APP_FIELDS = {"name", "description", "icon", "enable_api"}


def _copy(record: Any) -> Any:
    return dataclasses.replace(record)


class InMemoryStore(InMemoryChat, InMemoryAccounts, InMemoryMcpServers):
    """Dicts of records; each method is atomic because it validates before it mutates."""

    def __init__(self) -> None:
        InMemoryChat.__init__(self)
        InMemoryAccounts.__init__(self)
        InMemoryMcpServers.__init__(self)
        self.workspace_records: dict[str, WorkspaceRecord] = {}
        self.apps: dict[str, AppRecord] = {}
        self.drafts: dict[str, DraftRecord] = {}
        self.versions: dict[str, VersionRecord] = {}
        self.keys: dict[str, tuple[str, ApiKeyRecord]] = {}  # id -> (hash, record)
        self.console_hashes: set[str] = set()
        self.runs: dict[str, RunRecord] = {}
        self.executions: dict[str, NodeExecutionRecord] = {}

    # -- workspaces ---------------------------------------------------------------------------

    async def ensure_workspace(self, name: str = "default") -> str:
        for workspace in self.workspace_records.values():
            if workspace.name == name:
                return workspace.id
        return (await self.create_workspace(name)).id

    async def create_workspace(self, name: str) -> WorkspaceRecord:
        workspace = WorkspaceRecord(str(uuid.uuid4()), name, time.time())
        self.workspace_records[workspace.id] = workspace
        return workspace

    async def get_workspace(self, workspace_id: str) -> WorkspaceRecord | None:
        return self.workspace_records.get(workspace_id)

    # -- apps and versions ----------------------------------------------------------------------

    async def create_app(self, new: NewApp) -> tuple[AppRecord, VersionRecord, ApiKeyRecord | None]:
        if new.workspace_id not in self.workspace_records:
            raise ValueError(f"unknown workspace {new.workspace_id}")
        if new.key_hash is not None and any(h == new.key_hash for h, _ in self.keys.values()):
            raise ValueError("duplicate key hash")
        now = time.time()
        app = AppRecord(
            str(uuid.uuid4()),
            new.workspace_id,
            new.name,
            new.mode,
            new.description,
            new.icon,
            now,
            updated_at=now,
        )
        version = VersionRecord(str(uuid.uuid4()), app.id, 1, new.dsl, True, now)
        self.apps[app.id], self.versions[version.id] = app, version
        self.drafts[app.id] = DraftRecord(app.id, new.dsl, now)
        key = None
        if new.key_hash is not None:
            key = ApiKeyRecord(str(uuid.uuid4()), "app", new.key_prefix, new.workspace_id, app.id, now)
            self.keys[key.id] = (new.key_hash, key)
        return app, version, key

    async def list_apps(self, workspace_id: str) -> list[AppRecord]:
        apps = [a for a in self.apps.values() if a.workspace_id == workspace_id and a.status != "deleted"]
        return sorted(apps, key=lambda a: (a.created_at, a.id))

    async def get_app(self, app_id: str) -> AppRecord | None:
        return self.apps.get(app_id)

    async def update_app(self, app_id: str, **fields: Any) -> AppRecord | None:
        unknown = set(fields) - _APP_FIELDS
        if unknown:
            raise ValueError(f"cannot update {sorted(unknown)}")
        app = self.apps.get(app_id)
        if app is None or app.status == "deleted":
            return None
        self.apps[app_id] = dataclasses.replace(app, **fields, updated_at=time.time())
        return self.apps[app_id]

    async def delete_app(self, app_id: str) -> bool:
        app = self.apps.get(app_id)
        if app is None or app.status == "deleted":
            return False
        self.apps[app_id] = dataclasses.replace(app, status="deleted", updated_at=time.time())
        for key_id, (key_hash, key) in list(self.keys.items()):
            if key.app_id == app_id:
                self.keys[key_id] = (key_hash, dataclasses.replace(key, revoked=True))
        return True

    async def published_version(self, app_id: str) -> VersionRecord | None:
        published = [v for v in self.versions.values() if v.app_id == app_id and v.published]
        return max(published, key=lambda v: v.version, default=None)

    async def get_version(self, app_id: str, version_id: str) -> VersionRecord | None:
        version = self.versions.get(version_id)
        return version if version is not None and version.app_id == app_id else None

    async def list_versions(self, app_id: str) -> list[VersionRecord]:
        return sorted((v for v in self.versions.values() if v.app_id == app_id), key=lambda v: -v.version)

    async def publish(self, app_id: str, dsl: str) -> VersionRecord:
        if app_id not in self.apps:
            raise LookupError(f"unknown app {app_id}")
        latest = max((v.version for v in self.versions.values() if v.app_id == app_id), default=0)
        version = VersionRecord(str(uuid.uuid4()), app_id, latest + 1, dsl, True, time.time())
        self.versions[version.id] = version
        return version

    async def get_draft(self, app_id: str) -> DraftRecord | None:
        return self.drafts.get(app_id)

    async def save_draft(self, app_id: str, dsl: str) -> DraftRecord:
        if app_id not in self.apps:
            raise LookupError(f"unknown app {app_id}")
        self.drafts[app_id] = DraftRecord(app_id, dsl, time.time())
        return self.drafts[app_id]

    # -- keys and console tokens ----------------------------------------------------------------

    async def create_api_key(
        self, *, type: str, workspace_id: str, app_id: str | None, key_hash: str, prefix: str
    ) -> ApiKeyRecord:
        if any(existing == key_hash for existing, _ in self.keys.values()):
            raise ValueError("duplicate key hash")
        key = ApiKeyRecord(str(uuid.uuid4()), type, prefix, workspace_id, app_id, time.time())
        self.keys[key.id] = (key_hash, key)
        return key

    async def find_key_grant(self, key_hash: str, type: str) -> KeyGrant | None:
        for existing, key in self.keys.values():
            if existing == key_hash and key.type == type and not key.revoked:
                app = self.apps.get(key.app_id) if key.app_id else None
                if app is not None:
                    published = await self.published_version(app.id)
                    app = dataclasses.replace(app, published_version_id=published and published.id)
                return KeyGrant(key, self.workspace_records.get(key.workspace_id), app)
        return None

    async def list_api_keys(self, workspace_id: str, type: str, app_id: str | None) -> list[ApiKeyRecord]:
        keys = [
            k
            for _, k in self.keys.values()
            if k.workspace_id == workspace_id and k.type == type and k.app_id == app_id and not k.revoked
        ]
        return sorted(keys, key=lambda k: (k.created_at, k.id))

    async def revoke_api_key(self, key_id: str, workspace_id: str, app_id: str | None) -> bool:
        found = self.keys.get(key_id)
        if found is None:
            return False
        key_hash, key = found
        if key.revoked or key.workspace_id != workspace_id or key.app_id != app_id:
            return False
        self.keys[key_id] = (key_hash, dataclasses.replace(key, revoked=True))
        return True

    async def add_console_token(self, token_hash: str) -> None:
        self.console_hashes.add(token_hash)

    async def has_console_tokens(self) -> bool:
        return bool(self.console_hashes)

    async def console_token_valid(self, token_hash: str) -> bool:
        return token_hash in self.console_hashes

    # -- runs -------------------------------------------------------------------------------------

    async def create_run(self, run: RunRecord) -> None:
        if run.id in self.runs:
            raise ValueError(f"duplicate run {run.id}")
        self.runs[run.id] = _copy(run)

    async def open_generation(
        self,
        run: RunRecord,
        *,
        conversation: ConversationRecord | None = None,
        new_conversation: bool = False,
        message: MessageRecord | None = None,
    ) -> None:
        # Checked before anything is written, so a refused call leaves nothing behind.
        if run.id in self.runs or (message is not None and message.id in self.messages):
            raise ValueError(f"duplicate run {run.id} or its message")
        if conversation is not None and new_conversation and conversation.id in self.conversations:
            raise ValueError(f"duplicate conversation {conversation.id}")
        known = set(self.conversations) | ({conversation.id} if conversation is not None else set())
        if message is not None and message.conversation_id not in (None, *known):
            raise ValueError(f"unknown conversation {message.conversation_id}")
        if conversation is not None:
            if new_conversation:
                await self.create_conversation(conversation)
            else:
                await self.update_conversation(conversation)
        await self.create_run(run)
        if message is not None:
            await self.create_message(message)

    async def close_generation(self, outcome: MessageOutcome) -> None:
        message = self.messages.get(outcome.message_id)
        if message is None or message.app_id != outcome.app_id:
            return
        self.messages[message.id] = dataclasses.replace(
            message,
            answer=message.answer if outcome.answer is None else outcome.answer,
            status=outcome.status,
            error=outcome.error,
            usage=outcome.usage,
            retriever_resources=outcome.retriever_resources,
            agent_thoughts=outcome.agent_thoughts,
        )
        conversation = self.conversations.get(outcome.conversation_id or "")
        if conversation is None or conversation.app_id != outcome.app_id:
            return
        variables = conversation.variables
        if outcome.conversation_variables is not None:
            variables = dict(outcome.conversation_variables)
        self.conversations[conversation.id] = dataclasses.replace(
            conversation, variables=variables, updated_at=max(conversation.updated_at, outcome.at)
        )

    async def finish_run(self, run: RunRecord) -> None:
        if run.id in self.runs:
            self.runs[run.id] = _copy(run)

    async def get_run(self, app_id: str, run_id: str) -> RunRecord | None:
        run = self.runs.get(run_id)
        return _copy(run) if run is not None and run.app_id == app_id else None

    async def get_run_any(self, run_id: str) -> RunRecord | None:
        run = self.runs.get(run_id)
        return _copy(run) if run is not None else None

    async def get_run_by_task(self, app_id: str, task_id: str) -> RunRecord | None:
        for run in self.runs.values():
            if run.task_id == task_id and run.app_id == app_id:
                return _copy(run)
        return None

    async def list_runs(self, app_id: str, query: RunQuery) -> tuple[list[RunRecord], int]:
        def matches(run: RunRecord) -> bool:
            if run.app_id != app_id or (query.status and run.status != query.status):
                return False
            if query.user and run.user != query.user:
                return False
            if query.created_from and run.created_from != query.created_from:
                return False
            if query.created_after is not None and run.created_at < query.created_after:
                return False
            if query.created_before is not None and run.created_at > query.created_before:
                return False
            if query.keyword:
                text = f"{run.inputs} {run.outputs}".lower()
                return query.keyword.lower() in text or run.id == query.keyword
            return True

        runs = sorted(filter(matches, self.runs.values()), key=lambda r: (r.created_at, r.id), reverse=True)
        start = (query.page - 1) * query.limit
        return [_copy(r) for r in runs[start : start + query.limit]], len(runs)

    async def save_run_writes(
        self, executions: Sequence[NodeExecutionRecord], finished: Sequence[RunRecord] = ()
    ) -> None:
        for execution in executions:
            self.executions[execution.id] = _copy(execution)
        for run in finished:
            await self.finish_run(run)

    async def list_node_executions(self, run_id: str) -> list[NodeExecutionRecord]:
        found = [_copy(e) for e in self.executions.values() if e.run_id == run_id]
        return sorted(found, key=lambda e: (e.index, e.id))

    @property
    def workspaces(self) -> dict[str, str]:
        """Workspace ids by name (the original in-memory layout, kept for tests)."""
        return {w.name: w.id for w in self.workspace_records.values()}
