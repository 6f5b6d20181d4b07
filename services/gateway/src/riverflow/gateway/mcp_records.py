"""An app's MCP server (Dify's "MCP server" per app): its URL code, status and tool description."""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass, field
from typing import Any

__all__ = ["McpServerRecord", "MCP_STATUSES", "new_server_code"]

#: ``active`` serves ``/mcp/server/<code>/mcp``; ``inactive`` answers 404 there.
MCP_STATUSES = ("active", "inactive")

_ALPHABET = string.ascii_letters + string.digits


def new_server_code(length: int = 24) -> str:
    """The URL code: whoever knows it can call the app (as Dify's), so it is random and long."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(length))


@dataclass(frozen=True)
class McpServerRecord:
    id: str
    app_id: str
    workspace_id: str
    server_code: str
    status: str
    #: The tool's description (empty: the app's description).
    description: str
    #: Descriptions of the tool's arguments, by input variable name.
    parameters: dict[str, Any] = field(default_factory=dict)
    created_at: float = 0.0
    updated_at: float = 0.0
