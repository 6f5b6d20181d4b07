"""A generation's records, each end written in one transaction (``Store.open_generation`` and
``Store.close_generation``)."""

from __future__ import annotations

from dataclasses import dataclass

from riverflow.gateway.adapters import sql_models_chat as c
from riverflow.gateway.adapters.sql_chat import conversation_row, message_row, update_conversation_row
from riverflow.gateway.adapters.sql_convert import dt, ts
from riverflow.gateway.adapters.sql_runs import run_row
from riverflow.gateway.chat_records import ConversationRecord, MessageRecord
from riverflow.gateway.generation_records import MessageOutcome
from riverflow.gateway.group_commit import GroupCommit
from riverflow.gateway.records import RunRecord
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

__all__ = ["SqlGeneration"]


@dataclass(frozen=True)
class _Opening:
    run: RunRecord
    conversation: ConversationRecord | None
    new_conversation: bool
    message: MessageRecord | None


class SqlGeneration:
    _session: async_sessionmaker[AsyncSession]
    # Generations opened at the same time share one transaction; when it fails, each is tried on
    # its own, so a refused one fails alone and leaves nothing behind (set by ``SqlStore``).
    _openings: GroupCommit[_Opening]

    async def open_generation(
        self,
        run: RunRecord,
        *,
        conversation: ConversationRecord | None = None,
        new_conversation: bool = False,
        message: MessageRecord | None = None,
    ) -> None:
        await self._openings.submit(_Opening(run, conversation, new_conversation, message))

    async def _write_openings(self, openings: list[_Opening]) -> None:
        # One transaction instead of one per record and per request: a burst of chats and runs
        # opens with a single commit.
        async with self._session.begin() as session:
            for opening in openings:
                conversation = opening.conversation
                if conversation is not None:
                    if opening.new_conversation:
                        session.add(conversation_row(conversation))  # the flush inserts it first (FK)
                    else:
                        await update_conversation_row(session, conversation)
                session.add(run_row(opening.run))
                if opening.message is not None:
                    session.add(message_row(opening.message))

    async def close_generation(self, outcome: MessageOutcome) -> None:
        # The message and its conversation in one transaction (they were four before).
        async with self._session.begin() as session:
            message = await session.get(c.Message, outcome.message_id)
            if message is None or message.app_id != outcome.app_id:
                return
            if outcome.answer is not None:
                message.answer = outcome.answer
            message.status, message.error = outcome.status, outcome.error
            message.usage, message.retriever_resources = outcome.usage, outcome.retriever_resources
            message.agent_thoughts = outcome.agent_thoughts
            if outcome.conversation_id is None:
                return
            conversation = await session.get(c.Conversation, outcome.conversation_id)
            if conversation is None or conversation.app_id != outcome.app_id:
                return
            if outcome.conversation_variables is not None:
                conversation.variables = dict(outcome.conversation_variables)
            if outcome.at > (ts(conversation.updated_at) or 0.0):
                conversation.updated_at = dt(outcome.at)
