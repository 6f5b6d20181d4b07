"""Plain records the store hands out: apps, versions, keys and runs (times are Unix seconds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = ["AppRecord", "VersionRecord", "ApiKeyRecord", "RunRecord", "NewApp"]


@dataclass(frozen=True)
class AppRecord:
    id: str
    workspace_id: str
    name: str
    mode: str
    description: str
    icon: str
    created_at: float


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


@dataclass(frozen=True)
class NewApp:
    """What an import stores in one transaction: the app, its published version and one app key."""

    workspace_id: str
    name: str
    mode: str
    description: str
    icon: str
    dsl: str
    key_hash: str
    key_prefix: str


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
