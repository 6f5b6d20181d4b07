"""The in-memory store's chat side: end users, conversations, messages, feedback and files."""

from __future__ import annotations

import dataclasses
import time
import uuid

from riverflow.gateway.chat_records import (
    ConversationRecord,
    EndUserRecord,
    FeedbackRecord,
    FileRecord,
    MessageRecord,
)

__all__ = ["InMemoryChat"]

_SORT_FIELDS = {"created_at", "-created_at", "updated_at", "-updated_at"}
_MESSAGE_FIELDS = (
    "answer",
    "status",
    "error",
    "message_files",
    "usage",
    "retriever_resources",
    "agent_thoughts",
)


class InMemoryChat:
    def __init__(self) -> None:
        self.end_users: dict[str, EndUserRecord] = {}
        self.conversations: dict[str, ConversationRecord] = {}
        self.messages: dict[str, MessageRecord] = {}
        self.feedbacks: dict[str, FeedbackRecord] = {}
        self.files: dict[str, FileRecord] = {}

    async def ensure_end_user(self, app_id: str, session_id: str) -> EndUserRecord:
        for user in self.end_users.values():
            if user.app_id == app_id and user.session_id == session_id:
                return user
        user = EndUserRecord(
            str(uuid.uuid4()), app_id, session_id, time.time(), is_anonymous=session_id == "DEFAULT-USER"
        )
        self.end_users[user.id] = user
        return user

    async def get_end_user(self, app_id: str, end_user_id: str) -> EndUserRecord | None:
        user = self.end_users.get(end_user_id)
        return user if user is not None and user.app_id == app_id else None

    async def create_conversation(self, conversation: ConversationRecord) -> None:
        if conversation.id in self.conversations:
            raise ValueError(f"duplicate conversation {conversation.id}")
        self.conversations[conversation.id] = dataclasses.replace(conversation)

    async def get_conversation(self, app_id: str, conversation_id: str) -> ConversationRecord | None:
        found = self.conversations.get(conversation_id)
        return dataclasses.replace(found) if found is not None and found.app_id == app_id else None

    async def update_conversation(self, conversation: ConversationRecord) -> None:
        if conversation.id in self.conversations:
            self.conversations[conversation.id] = dataclasses.replace(conversation)

    async def list_conversations(
        self, app_id: str, user: str, *, last_id: str | None, limit: int, sort_by: str, source: str = "api"
    ) -> tuple[list[ConversationRecord], bool]:
        if sort_by not in _SORT_FIELDS:
            raise ValueError(f"sort_by must be one of {sorted(_SORT_FIELDS)}")
        field, descending = sort_by.lstrip("-"), sort_by.startswith("-")
        mine = [
            c
            for c in self.conversations.values()
            if (c.app_id, c.user, c.from_source) == (app_id, user, source)
        ]
        mine.sort(key=lambda c: (getattr(c, field), c.id), reverse=descending)
        if last_id:
            ids = [c.id for c in mine]
            if last_id not in ids:
                raise LookupError("Last Conversation Not Exists.")
            mine = mine[ids.index(last_id) + 1 :]
        return [dataclasses.replace(c) for c in mine[:limit]], len(mine) > limit

    async def delete_conversation(self, app_id: str, conversation_id: str) -> bool:
        found = self.conversations.get(conversation_id)
        if found is None or found.app_id != app_id:
            return False
        del self.conversations[conversation_id]
        for message_id in [m.id for m in self.messages.values() if m.conversation_id == conversation_id]:
            self.messages.pop(message_id)
            self.feedbacks.pop(message_id, None)
        return True

    async def create_message(self, message: MessageRecord) -> None:
        if message.id in self.messages:
            raise ValueError(f"duplicate message {message.id}")
        if message.conversation_id is not None and message.conversation_id not in self.conversations:
            raise ValueError(f"unknown conversation {message.conversation_id}")
        self.messages[message.id] = dataclasses.replace(message)

    async def get_message(self, app_id: str, message_id: str) -> MessageRecord | None:
        found = self.messages.get(message_id)
        return dataclasses.replace(found) if found is not None and found.app_id == app_id else None

    async def get_message_by_run(self, run_id: str) -> MessageRecord | None:
        for message in self.messages.values():
            if message.run_id == run_id:
                return dataclasses.replace(message)
        return None

    async def update_message(self, message: MessageRecord) -> None:
        stored = self.messages.get(message.id)
        if stored is not None:
            changes = {name: getattr(message, name) for name in _MESSAGE_FIELDS}
            self.messages[message.id] = dataclasses.replace(stored, **changes)

    async def list_messages(
        self, conversation_id: str, *, first_id: str | None, limit: int
    ) -> tuple[list[MessageRecord], bool]:
        mine = [m for m in self.messages.values() if m.conversation_id == conversation_id]
        mine.sort(key=lambda m: (m.created_at, m.id), reverse=True)
        if first_id:
            ids = [m.id for m in mine]
            if first_id not in ids:
                raise LookupError("First Message Not Exists.")
            mine = mine[ids.index(first_id) + 1 :]
        page = [dataclasses.replace(m) for m in mine[:limit]]
        page.reverse()
        return page, len(mine) > limit

    async def set_feedback(self, feedback: FeedbackRecord | None, message_id: str) -> None:
        if feedback is None:
            self.feedbacks.pop(message_id, None)
            return
        if message_id not in self.messages:
            raise ValueError(f"unknown message {message_id}")
        previous = self.feedbacks.get(message_id)
        if previous is not None:
            feedback = dataclasses.replace(feedback, created_at=previous.created_at)
        self.feedbacks[message_id] = feedback

    async def get_feedback(self, message_id: str) -> FeedbackRecord | None:
        return self.feedbacks.get(message_id)

    async def list_feedbacks(self, app_id: str, *, page: int, limit: int) -> list[FeedbackRecord]:
        mine = sorted(
            (f for f in self.feedbacks.values() if f.app_id == app_id),
            key=lambda f: (-f.created_at, f.message_id),
        )
        return mine[(page - 1) * limit : page * limit]

    async def create_file(self, file: FileRecord) -> None:
        if file.id in self.files:
            raise ValueError(f"duplicate file {file.id}")
        self.files[file.id] = file

    async def get_file(self, file_id: str) -> FileRecord | None:
        return self.files.get(file_id)
