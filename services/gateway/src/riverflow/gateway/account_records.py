"""Records of the console side: accounts, workspace members, sessions and provider credentials."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ROLES",
    "AccountRecord",
    "MemberRecord",
    "SessionRecord",
    "ProviderCredentialRecord",
]

#: Console roles, most powerful first.
ROLES = ("owner", "admin", "editor", "viewer")


@dataclass(frozen=True)
class AccountRecord:
    id: str
    email: str
    name: str
    password_hash: str
    created_at: float
    status: str = "active"


@dataclass(frozen=True)
class MemberRecord:
    workspace_id: str
    account_id: str
    role: str
    created_at: float
    email: str = ""
    name: str = ""


@dataclass(frozen=True)
class SessionRecord:
    """A console login; only the token's hash is stored."""

    id: str
    account_id: str
    workspace_id: str
    created_at: float
    expires_at: float


@dataclass(frozen=True)
class ProviderCredentialRecord:
    """A model provider's credentials in a workspace, sealed with the gateway's ``SecretBox``."""

    workspace_id: str
    provider: str
    sealed: bytes
    updated_at: float
