"""A generation's opening records, written in one transaction (``Store.open_generation``)."""

from __future__ import annotations

from riverflow.gateway.adapters.sql_chat import conversation_row, message_row, update_conversation_row
from riverflow.gateway.adapters.sql_runs import run_row
from riverflow.gateway.chat_records import ConversationRecord, MessageRecord
from riverflow.gateway.records import RunRecord
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["SqlGeneration"]


class SqlGeneration:
    _session: async_sessionmaker[AsyncSession]

    async def open_generation(
        self,
        run: RunRecord,
        *,
        conversation: ConversationRecord | None = None,
        new_conversation: bool = False,
        message: MessageRecord | None = None,
    ) -> None:
        # One transaction instead of one per record: a chat opens with a single commit, and a
        # failure leaves none of them behind.
        async with self._session.begin() as session:
            if conversation is not None:
                if new_conversation:
                    session.add(conversation_row(conversation))  # the flush inserts it first (FK)
                else:
                    await update_conversation_row(session, conversation)
            session.add(run_row(run))
            if message is not None:
                session.add(message_row(message))
