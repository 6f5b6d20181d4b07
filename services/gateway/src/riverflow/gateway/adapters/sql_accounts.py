"""The SQL store's console side: accounts, members, sessions and provider credentials."""

from __future__ import annotations

import uuid

from riverflow.gateway.account_records import (
    AccountRecord,
    MemberRecord,
    ProviderCredentialRecord,
    SessionRecord,
)
from riverflow.gateway.adapters import sql_models as m
from riverflow.gateway.adapters import sql_models_accounts as a
from riverflow.gateway.adapters.sql_convert import dt, now, ts
from riverflow.gateway.records import WorkspaceRecord
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["SqlAccounts"]


def _account(row: a.Account) -> AccountRecord:
    return AccountRecord(
        row.id, row.email, row.name, row.password_hash, ts(row.created_at) or 0.0, row.status
    )


def _member(row: a.Member, account: a.Account | None) -> MemberRecord:
    return MemberRecord(
        row.workspace_id,
        row.account_id,
        row.role,
        ts(row.created_at) or 0.0,
        account.email if account else "",
        account.name if account else "",
    )


def _session_record(row: a.ConsoleSession) -> SessionRecord:
    return SessionRecord(
        row.id, row.account_id, row.workspace_id, ts(row.created_at) or 0.0, ts(row.expires_at) or 0.0
    )


class SqlAccounts:
    _session: async_sessionmaker[AsyncSession]

    async def create_account(self, email: str, name: str, password_hash: str) -> AccountRecord:
        row = a.Account(
            id=str(uuid.uuid4()),
            email=email.strip().lower(),
            name=name,
            password_hash=password_hash,
            status="active",
            created_at=now(),
        )
        try:
            async with self._session.begin() as session:
                session.add(row)
        except IntegrityError:
            raise ValueError(f"an account with e-mail {row.email} exists") from None
        return _account(row)

    async def find_account(self, email: str) -> AccountRecord | None:
        async with self._session() as session:
            row = await session.scalar(select(a.Account).where(a.Account.email == email.strip().lower()))
            return None if row is None else _account(row)

    async def get_account(self, account_id: str) -> AccountRecord | None:
        async with self._session() as session:
            row = await session.get(a.Account, account_id)
            return None if row is None else _account(row)

    async def set_member(self, workspace_id: str, account_id: str, role: str) -> MemberRecord:
        async with self._session.begin() as session:
            row = await session.get(a.Member, (workspace_id, account_id))
            if row is None:
                row = a.Member(workspace_id=workspace_id, account_id=account_id, created_at=now())
                session.add(row)
            row.role = role
            await session.flush()
            return _member(row, await session.get(a.Account, account_id))

    async def get_member(self, workspace_id: str, account_id: str) -> MemberRecord | None:
        async with self._session() as session:
            row = await session.get(a.Member, (workspace_id, account_id))
            return None if row is None else _member(row, await session.get(a.Account, account_id))

    async def list_members(self, workspace_id: str) -> list[MemberRecord]:
        async with self._session() as session:
            rows = await session.execute(
                select(a.Member, a.Account)
                .join(a.Account, a.Account.id == a.Member.account_id)
                .where(a.Member.workspace_id == workspace_id)
                .order_by(a.Member.created_at, a.Account.email)
            )
            return [_member(member, account) for member, account in rows]

    async def remove_member(self, workspace_id: str, account_id: str) -> bool:
        async with self._session.begin() as session:
            row = await session.get(a.Member, (workspace_id, account_id))
            if row is None:
                return False
            await session.delete(row)
            return True

    async def list_account_workspaces(self, account_id: str) -> list[tuple[WorkspaceRecord, str]]:
        async with self._session() as session:
            rows = await session.execute(
                select(m.Workspace, a.Member.role)
                .join(a.Member, a.Member.workspace_id == m.Workspace.id)
                .where(a.Member.account_id == account_id)
                .order_by(m.Workspace.created_at)
            )
            return [
                (WorkspaceRecord(w.id, w.name, ts(w.created_at) or 0.0, w.status), role) for w, role in rows
            ]

    async def create_session(
        self, token_hash: str, account_id: str, workspace_id: str, expires_at: float
    ) -> SessionRecord:
        row = a.ConsoleSession(
            id=str(uuid.uuid4()),
            token_hash=token_hash,
            account_id=account_id,
            workspace_id=workspace_id,
            created_at=now(),
            expires_at=dt(expires_at),
        )
        async with self._session.begin() as session:
            session.add(row)
        return _session_record(row)

    async def find_session(self, token_hash: str) -> SessionRecord | None:
        async with self._session() as session:
            row = await session.scalar(
                select(a.ConsoleSession).where(
                    a.ConsoleSession.token_hash == token_hash, a.ConsoleSession.revoked_at.is_(None)
                )
            )
            if row is None or (ts(row.expires_at) or 0.0) <= now().timestamp():
                return None
            return _session_record(row)

    async def switch_session(self, session_id: str, workspace_id: str) -> None:
        async with self._session.begin() as session:
            row = await session.get(a.ConsoleSession, session_id)
            if row is not None:
                row.workspace_id = workspace_id

    async def revoke_session(self, session_id: str) -> None:
        async with self._session.begin() as session:
            row = await session.get(a.ConsoleSession, session_id)
            if row is not None and row.revoked_at is None:
                row.revoked_at = now()

    async def set_credentials(self, workspace_id: str, provider: str, sealed: bytes) -> None:
        async with self._session.begin() as session:
            row = await session.get(a.ProviderCredential, (workspace_id, provider))
            if row is None:
                row = a.ProviderCredential(workspace_id=workspace_id, provider=provider)
                session.add(row)
            row.sealed, row.updated_at = sealed, now()

    async def get_credentials(self, workspace_id: str, provider: str) -> ProviderCredentialRecord | None:
        async with self._session() as session:
            row = await session.get(a.ProviderCredential, (workspace_id, provider))
            if row is None:
                return None
            return ProviderCredentialRecord(
                row.workspace_id, row.provider, row.sealed, ts(row.updated_at) or 0.0
            )

    async def list_credentials(self, workspace_id: str) -> list[ProviderCredentialRecord]:
        async with self._session() as session:
            rows = await session.scalars(
                select(a.ProviderCredential)
                .where(a.ProviderCredential.workspace_id == workspace_id)
                .order_by(a.ProviderCredential.provider)
            )
            return [
                ProviderCredentialRecord(r.workspace_id, r.provider, r.sealed, ts(r.updated_at) or 0.0)
                for r in rows
            ]

    async def delete_credentials(self, workspace_id: str, provider: str) -> bool:
        async with self._session.begin() as session:
            row = await session.get(a.ProviderCredential, (workspace_id, provider))
            if row is None:
                return False
            await session.delete(row)
            return True
