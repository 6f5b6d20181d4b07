"""The in-memory store's console side: accounts, members, sessions and provider credentials."""

from __future__ import annotations

import time
import uuid
from typing import Any

from riverflow.gateway.account_records import (
    AccountRecord,
    MemberRecord,
    ProviderCredentialRecord,
    SessionRecord,
)
from riverflow.gateway.records import WorkspaceRecord

__all__ = ["InMemoryAccounts"]


class InMemoryAccounts:
    workspace_records: dict[str, WorkspaceRecord]

    def __init__(self) -> None:
        self.accounts: dict[str, AccountRecord] = {}
        self.members: dict[tuple[str, str], MemberRecord] = {}
        self.sessions: dict[str, tuple[str, SessionRecord, bool]] = {}  # id -> (hash, record, revoked)
        self.credentials: dict[tuple[str, str], ProviderCredentialRecord] = {}

    async def create_account(self, email: str, name: str, password_hash: str) -> AccountRecord:
        email = email.strip().lower()
        if any(a.email == email for a in self.accounts.values()):
            raise ValueError(f"an account with e-mail {email} exists")
        account = AccountRecord(str(uuid.uuid4()), email, name, password_hash, time.time())
        self.accounts[account.id] = account
        return account

    async def find_account(self, email: str) -> AccountRecord | None:
        email = email.strip().lower()
        return next((a for a in self.accounts.values() if a.email == email), None)

    async def get_account(self, account_id: str) -> AccountRecord | None:
        return self.accounts.get(account_id)

    def _member(self, workspace_id: str, account_id: str, role: str, created_at: float) -> MemberRecord:
        account = self.accounts.get(account_id)
        email, name = (account.email, account.name) if account else ("", "")
        return MemberRecord(workspace_id, account_id, role, created_at, email, name)

    async def set_member(self, workspace_id: str, account_id: str, role: str) -> MemberRecord:
        if workspace_id not in self.workspace_records or account_id not in self.accounts:
            raise ValueError("unknown workspace or account")
        previous = self.members.get((workspace_id, account_id))
        created = previous.created_at if previous else time.time()
        member = self._member(workspace_id, account_id, role, created)
        self.members[(workspace_id, account_id)] = member
        return member

    async def get_member(self, workspace_id: str, account_id: str) -> MemberRecord | None:
        return self.members.get((workspace_id, account_id))

    async def list_members(self, workspace_id: str) -> list[MemberRecord]:
        mine = [m for m in self.members.values() if m.workspace_id == workspace_id]
        return sorted(mine, key=lambda m: (m.created_at, m.email))

    async def remove_member(self, workspace_id: str, account_id: str) -> bool:
        return self.members.pop((workspace_id, account_id), None) is not None

    async def list_account_workspaces(self, account_id: str) -> list[tuple[WorkspaceRecord, str]]:
        found = [
            (self.workspace_records[m.workspace_id], m.role)
            for m in self.members.values()
            if m.account_id == account_id
        ]
        return sorted(found, key=lambda pair: pair[0].created_at)

    async def create_session(
        self, token_hash: str, account_id: str, workspace_id: str, expires_at: float
    ) -> SessionRecord:
        if any(h == token_hash for h, _, _ in self.sessions.values()):
            raise ValueError("duplicate session token")
        record = SessionRecord(str(uuid.uuid4()), account_id, workspace_id, time.time(), expires_at)
        self.sessions[record.id] = (token_hash, record, False)
        return record

    async def find_session(self, token_hash: str) -> SessionRecord | None:
        for stored, record, revoked in self.sessions.values():
            if stored == token_hash and not revoked and record.expires_at > time.time():
                return record
        return None

    async def switch_session(self, session_id: str, workspace_id: str) -> None:
        found: Any = self.sessions.get(session_id)
        if found is not None:
            token_hash, record, revoked = found
            record = SessionRecord(
                record.id, record.account_id, workspace_id, record.created_at, record.expires_at
            )
            self.sessions[session_id] = (token_hash, record, revoked)

    async def revoke_session(self, session_id: str) -> None:
        found = self.sessions.get(session_id)
        if found is not None:
            self.sessions[session_id] = (found[0], found[1], True)

    async def set_credentials(self, workspace_id: str, provider: str, sealed: bytes) -> None:
        if workspace_id not in self.workspace_records:
            raise ValueError(f"unknown workspace {workspace_id}")
        self.credentials[(workspace_id, provider)] = ProviderCredentialRecord(
            workspace_id, provider, sealed, time.time()
        )

    async def get_credentials(self, workspace_id: str, provider: str) -> ProviderCredentialRecord | None:
        return self.credentials.get((workspace_id, provider))

    async def list_credentials(self, workspace_id: str) -> list[ProviderCredentialRecord]:
        mine = [c for c in self.credentials.values() if c.workspace_id == workspace_id]
        return sorted(mine, key=lambda c: c.provider)

    async def delete_credentials(self, workspace_id: str, provider: str) -> bool:
        return self.credentials.pop((workspace_id, provider), None) is not None
