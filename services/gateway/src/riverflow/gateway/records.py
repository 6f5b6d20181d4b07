"""Plain records the store hands out: apps, versions, keys and runs (times are Unix seconds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "AppRecord",
    "VersionRecord",
    "ApiKeyRecord",
    "RunRecord",
    "NewApp",
    "WorkspaceRecord",
    "DraftRecord",
    "NodeExecutionRecord",
    "RunQuery",
]


@dataclass(frozen=True)
class AppRecord:
    id: str
    workspace_id: str
    name: str
    mode: str
    description: str
    icon: str
    created_at: float
    #: ``normal`` or ``deleted`` (a deleted app keeps its rows; its keys answer 403).
    status: str = "normal"
    enable_api: bool = True
    updated_at: float | None = None
    #: The newest published version's id, when the app was read by the key check (``find_key_grant``
    #: reads it in the same query); None when unknown. Not part of the app's identity.
    published_version_id: str | None = field(default=None, compare=False)


@dataclass(frozen=True)
class WorkspaceRecord:
    id: str
    name: str
    created_at: float
    status: str = "normal"


@dataclass(frozen=True)
class DraftRecord:
    """The app's editable DSL; publishing copies it into a new numbered version."""

    app_id: str
    dsl: str
    updated_at: float


@dataclass(frozen=True)
class VersionRecord:
    id: str
    app_id: str
    version: int
    dsl: str
    published: bool
    created_at: float


@dataclass(frozen=True)
class ApiKeyRecord:
    id: str
    type: str  # "app" | "dataset"
    prefix: str
    workspace_id: str
    app_id: str | None
    created_at: float
    revoked: bool = False
    last_used_at: float | None = None


@dataclass(frozen=True)
class KeyGrant:
    """A live key and what it opens, read together: its workspace and, for an app key, its app."""

    key: ApiKeyRecord
    workspace: WorkspaceRecord | None
    app: AppRecord | None = None


@dataclass(frozen=True)
class NewApp:
    """What an import stores in one transaction: the app, its published version and one app key."""

    workspace_id: str
    name: str
    mode: str
    description: str
    icon: str
    dsl: str
    #: The app key made with it; None creates the app without a key.
    key_hash: str | None
    key_prefix: str = ""


@dataclass
class RunRecord:
    id: str
    app_id: str
    workflow_id: str
    task_id: str
    status: str
    inputs: dict[str, Any]
    user: str
    created_at: float
    outputs: dict[str, Any] | None = None
    error: str | None = None
    elapsed_time: float = 0.0
    total_steps: int = 0
    total_tokens: int = 0
    finished_at: float | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    #: ``workflow``, ``advanced-chat``, ``chat``, ``agent-chat`` or ``completion``.
    mode: str = "workflow"
    conversation_id: str | None = None
    message_id: str | None = None
    end_user_id: str | None = None
    exceptions_count: int = 0
    #: ``service-api`` or ``console`` (runs started from the console's debugger).
    created_from: str = "service-api"


@dataclass
class NodeExecutionRecord:
    """One node's execution, from its ``node_finished`` event (logs and run detail)."""

    id: str
    run_id: str
    app_id: str
    node_id: str
    node_type: str
    title: str
    index: int
    status: str
    created_at: float
    inputs: dict[str, Any] | None = None
    outputs: dict[str, Any] | None = None
    process_data: dict[str, Any] | None = None
    error: str | None = None
    elapsed_time: float = 0.0
    execution_metadata: dict[str, Any] = field(default_factory=dict)
    finished_at: float | None = None
    predecessor_node_id: str | None = None


@dataclass(frozen=True)
class RunQuery:
    """Filters of ``GET /workflows/logs`` (times are Unix seconds)."""

    keyword: str | None = None
    status: str | None = None
    created_after: float | None = None
    created_before: float | None = None
    user: str | None = None
    page: int = 1
    limit: int = 20
    #: ``service-api`` or ``console`` runs only (None: both).
    created_from: str | None = None
