"""The SQL store's chat side: end users, conversations, messages, feedback and files."""

from __future__ import annotations

import dataclasses
import uuid
from collections import OrderedDict
from typing import Any

from riverflow.gateway.adapters import sql_models_chat as c
from riverflow.gateway.adapters.sql_convert import dt, now, ts
from riverflow.gateway.chat_records import (
    ConversationRecord,
    EndUserRecord,
    FeedbackRecord,
    FileRecord,
    MessageRecord,
)
from sqlalchemy import and_, delete, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["SqlChat", "SORT_FIELDS", "conversation_row", "message_row", "update_conversation_row"]

#: ``sort_by`` values of ``GET /conversations``.
SORT_FIELDS = {"created_at", "-created_at", "updated_at", "-updated_at"}

_END_USERS_KEPT = 10_000

_MESSAGE_FIELDS = (
    "answer",
    "status",
    "error",
    "message_files",
    "usage",
    "retriever_resources",
    "agent_thoughts",
)


def _end_user(row: c.EndUser) -> EndUserRecord:
    return EndUserRecord(
        row.id, row.app_id, row.session_id, ts(row.created_at) or 0.0, row.type, row.is_anonymous
    )


def conversation_row(conversation: ConversationRecord) -> c.Conversation:
    return c.Conversation(
        id=conversation.id,
        app_id=conversation.app_id,
        user=conversation.user,
        name=conversation.name,
        inputs=conversation.inputs,
        status=conversation.status,
        introduction=conversation.introduction,
        variables=conversation.variables,
        dialogue_count=conversation.dialogue_count,
        from_source=conversation.from_source,
        from_account_id=conversation.from_account_id,
        created_at=dt(conversation.created_at),
        updated_at=dt(conversation.updated_at),
    )


async def update_conversation_row(session: AsyncSession, conversation: ConversationRecord) -> None:
    """Copy the conversation's changeable fields onto its row (a missing row stays missing)."""
    row = await session.get(c.Conversation, conversation.id)
    if row is None:
        return
    row.name, row.inputs, row.status = conversation.name, conversation.inputs, conversation.status
    row.variables, row.dialogue_count = conversation.variables, conversation.dialogue_count
    row.updated_at = dt(conversation.updated_at)


def message_row(message: MessageRecord) -> c.Message:
    return c.Message(
        id=message.id,
        app_id=message.app_id,
        conversation_id=message.conversation_id,
        user=message.user,
        run_id=message.run_id,
        task_id=message.task_id,
        mode=message.mode,
        query=message.query,
        inputs=message.inputs,
        answer=message.answer,
        status=message.status,
        error=message.error,
        message_files=message.message_files,
        usage=message.usage,
        retriever_resources=message.retriever_resources,
        agent_thoughts=message.agent_thoughts,
        parent_message_id=message.parent_message_id,
        from_source=message.from_source,
        from_account_id=message.from_account_id,
        created_at=dt(message.created_at),
    )


def _conversation(row: c.Conversation) -> ConversationRecord:
    return ConversationRecord(
        id=row.id,
        app_id=row.app_id,
        user=row.user,
        name=row.name,
        inputs=row.inputs or {},
        created_at=ts(row.created_at) or 0.0,
        updated_at=ts(row.updated_at) or 0.0,
        status=row.status,
        introduction=row.introduction,
        variables=row.variables or {},
        dialogue_count=row.dialogue_count,
        from_source=row.from_source,
        from_account_id=row.from_account_id,
    )


def _message(row: c.Message) -> MessageRecord:
    return MessageRecord(
        id=row.id,
        app_id=row.app_id,
        conversation_id=row.conversation_id,
        user=row.user,
        run_id=row.run_id,
        task_id=row.task_id,
        mode=row.mode,
        query=row.query,
        inputs=row.inputs or {},
        created_at=ts(row.created_at) or 0.0,
        answer=row.answer,
        status=row.status,
        error=row.error,
        message_files=row.message_files or [],
        usage=row.usage or {},
        retriever_resources=row.retriever_resources or [],
        agent_thoughts=row.agent_thoughts or [],
        parent_message_id=row.parent_message_id,
        from_source=row.from_source,
        from_account_id=row.from_account_id,
    )


def _feedback(row: c.MessageFeedback) -> FeedbackRecord:
    return FeedbackRecord(
        row.message_id,
        row.app_id,
        row.user,
        row.rating,
        row.content,
        ts(row.created_at) or 0.0,
        row.conversation_id,
    )


def _file(row: c.UploadFile) -> FileRecord:
    return FileRecord(
        row.id,
        row.workspace_id,
        row.app_id,
        row.user,
        row.name,
        row.size,
        row.extension,
        row.mime_type,
        row.key,
        ts(row.created_at) or 0.0,
    )


def _after(column: Any, id_column: Any, value: Any, row_id: str, descending: bool) -> Any:
    """Rows strictly after the cursor row in the (column, id) order."""
    if descending:
        return or_(column < value, and_(column == value, id_column < row_id))
    return or_(column > value, and_(column == value, id_column > row_id))


class SqlChat:
    _session: async_sessionmaker[AsyncSession]
    #: End users by (app id, session id), set up by the store (see ``ensure_end_user``).
    _end_users: OrderedDict[tuple[str, str], EndUserRecord]

    async def ensure_end_user(self, app_id: str, session_id: str) -> EndUserRecord:
        # Every generate request asks; an end user row never changes once written, so a found
        # one is kept in process (bounded) and the request skips a database round trip.
        known = self._end_users.get((app_id, session_id))
        if known is None:
            known = await self._load_or_create_end_user(app_id, session_id)
            self._end_users[(app_id, session_id)] = known
            while len(self._end_users) > _END_USERS_KEPT:
                self._end_users.popitem(last=False)
        return dataclasses.replace(known)

    async def _load_or_create_end_user(self, app_id: str, session_id: str) -> EndUserRecord:
        query = select(c.EndUser).where(c.EndUser.app_id == app_id, c.EndUser.session_id == session_id)
        async with self._session() as session:
            found = await session.scalar(query)
            if found is not None:
                return _end_user(found)
        row = c.EndUser(
            id=str(uuid.uuid4()),
            app_id=app_id,
            session_id=session_id,
            type="service_api",
            is_anonymous=session_id == "DEFAULT-USER",
            created_at=now(),
        )
        try:
            async with self._session.begin() as session:
                session.add(row)
        except IntegrityError:  # a concurrent request created it first
            async with self._session() as session:
                found = await session.scalar(query)
                assert found is not None
                return _end_user(found)
        return _end_user(row)

    async def get_end_user(self, app_id: str, end_user_id: str) -> EndUserRecord | None:
        async with self._session() as session:
            row = await session.get(c.EndUser, end_user_id)
            return None if row is None or row.app_id != app_id else _end_user(row)

    async def create_conversation(self, conversation: ConversationRecord) -> None:
        async with self._session.begin() as session:
            session.add(conversation_row(conversation))

    async def get_conversation(self, app_id: str, conversation_id: str) -> ConversationRecord | None:
        async with self._session() as session:
            row = await session.get(c.Conversation, conversation_id)
            return None if row is None or row.app_id != app_id else _conversation(row)

    async def update_conversation(self, conversation: ConversationRecord) -> None:
        async with self._session.begin() as session:
            await update_conversation_row(session, conversation)

    async def list_conversations(
        self, app_id: str, user: str, *, last_id: str | None, limit: int, sort_by: str, source: str = "api"
    ) -> tuple[list[ConversationRecord], bool]:
        if sort_by not in SORT_FIELDS:
            raise ValueError(f"sort_by must be one of {sorted(SORT_FIELDS)}")
        descending = sort_by.startswith("-")
        column = getattr(c.Conversation, sort_by.lstrip("-"))
        conditions: list[Any] = [
            c.Conversation.app_id == app_id,
            c.Conversation.user == user,
            c.Conversation.from_source == source,
        ]
        async with self._session() as session:
            if last_id:
                last = await session.get(c.Conversation, last_id)
                if last is None or (last.app_id, last.user, last.from_source) != (app_id, user, source):
                    raise LookupError("Last Conversation Not Exists.")
                value = getattr(last, sort_by.lstrip("-"))
                conditions.append(_after(column, c.Conversation.id, value, last.id, descending))
            order = (column.desc(), c.Conversation.id.desc()) if descending else (column, c.Conversation.id)
            rows = list(
                await session.scalars(
                    select(c.Conversation).where(*conditions).order_by(*order).limit(limit + 1)
                )
            )
            return [_conversation(row) for row in rows[:limit]], len(rows) > limit

    async def delete_conversation(self, app_id: str, conversation_id: str) -> bool:
        async with self._session.begin() as session:
            row = await session.get(c.Conversation, conversation_id)
            if row is None or row.app_id != app_id:
                return False
            message_ids = select(c.Message.id).where(c.Message.conversation_id == conversation_id)
            await session.execute(
                delete(c.MessageFeedback).where(c.MessageFeedback.message_id.in_(message_ids))
            )
            await session.execute(delete(c.Message).where(c.Message.conversation_id == conversation_id))
            await session.delete(row)
            return True

    async def create_message(self, message: MessageRecord) -> None:
        async with self._session.begin() as session:
            session.add(message_row(message))

    async def get_message(self, app_id: str, message_id: str) -> MessageRecord | None:
        async with self._session() as session:
            row = await session.get(c.Message, message_id)
            return None if row is None or row.app_id != app_id else _message(row)

    async def get_message_by_run(self, run_id: str) -> MessageRecord | None:
        async with self._session() as session:
            row = await session.scalar(select(c.Message).where(c.Message.run_id == run_id).limit(1))
            return None if row is None else _message(row)

    async def update_message(self, message: MessageRecord) -> None:
        async with self._session.begin() as session:
            row = await session.get(c.Message, message.id)
            if row is None:
                return
            for name in _MESSAGE_FIELDS:
                setattr(row, name, getattr(message, name))

    async def list_messages(
        self, conversation_id: str, *, first_id: str | None, limit: int
    ) -> tuple[list[MessageRecord], bool]:
        conditions: list[Any] = [c.Message.conversation_id == conversation_id]
        async with self._session() as session:
            if first_id:
                first = await session.get(c.Message, first_id)
                if first is None or first.conversation_id != conversation_id:
                    raise LookupError("First Message Not Exists.")
                conditions.append(
                    _after(c.Message.created_at, c.Message.id, first.created_at, first.id, True)
                )
            rows = list(
                await session.scalars(
                    select(c.Message)
                    .where(*conditions)
                    .order_by(c.Message.created_at.desc(), c.Message.id.desc())
                    .limit(limit + 1)
                )
            )
            page = [_message(row) for row in rows[:limit]]
            page.reverse()
            return page, len(rows) > limit

    async def set_feedback(self, feedback: FeedbackRecord | None, message_id: str) -> None:
        async with self._session.begin() as session:
            row = await session.get(c.MessageFeedback, message_id)
            if feedback is None:
                if row is not None:
                    await session.delete(row)
                return
            if row is None:
                row = c.MessageFeedback(message_id=message_id, created_at=dt(feedback.created_at))
                session.add(row)
            row.app_id, row.user, row.rating = feedback.app_id, feedback.user, feedback.rating
            row.content, row.conversation_id = feedback.content, feedback.conversation_id

    async def get_feedback(self, message_id: str) -> FeedbackRecord | None:
        async with self._session() as session:
            row = await session.get(c.MessageFeedback, message_id)
            return None if row is None else _feedback(row)

    async def list_feedbacks(self, app_id: str, *, page: int, limit: int) -> list[FeedbackRecord]:
        async with self._session() as session:
            rows = await session.scalars(
                select(c.MessageFeedback)
                .where(c.MessageFeedback.app_id == app_id)
                .order_by(c.MessageFeedback.created_at.desc(), c.MessageFeedback.message_id)
                .offset((page - 1) * limit)
                .limit(limit)
            )
            return [_feedback(row) for row in rows]

    async def create_file(self, file: FileRecord) -> None:
        async with self._session.begin() as session:
            session.add(
                c.UploadFile(
                    id=file.id,
                    workspace_id=file.workspace_id,
                    app_id=file.app_id,
                    user=file.user,
                    name=file.name,
                    size=file.size,
                    extension=file.extension,
                    mime_type=file.mime_type,
                    key=file.key,
                    created_at=dt(file.created_at),
                )
            )

    async def get_file(self, file_id: str) -> FileRecord | None:
        async with self._session() as session:
            row = await session.get(c.UploadFile, file_id)
            return None if row is None else _file(row)
