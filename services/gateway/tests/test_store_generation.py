"""The ``Store`` behaviour suite, ``open_generation``: a chat turn's conversation, run and message
in one transaction (in memory, SQLite and PostgreSQL)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from riverflow.gateway.chat_records import ConversationRecord, MessageRecord
from riverflow.gateway.generation_records import MessageOutcome
from riverflow.gateway.records import RunRecord

from .conftest import STORES
from .test_store_conformance import _new_app

pytestmark = pytest.mark.parametrize("store", STORES, indirect=True)


def _turn(app_id: str, version_id: str, conversation_id: str | None) -> tuple[RunRecord, MessageRecord]:
    now = float(int(time.time()))
    run = RunRecord(
        id=str(uuid.uuid4()),
        app_id=app_id,
        workflow_id=version_id,
        task_id=str(uuid.uuid4()),
        status="running",
        inputs={},
        user="alice",
        created_at=now,
        mode="advanced-chat",
        conversation_id=conversation_id,
    )
    message = MessageRecord(
        id=str(uuid.uuid4()),
        app_id=app_id,
        conversation_id=conversation_id,
        user="alice",
        run_id=run.id,
        task_id=run.task_id,
        mode="advanced-chat",
        query="hi",
        inputs={},
        created_at=now,
    )
    run.message_id = message.id
    return run, message


async def test_a_new_conversation_its_run_and_message_are_written_together(store) -> None:
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    now = float(int(time.time()))
    conversation = ConversationRecord(str(uuid.uuid4()), app.id, "alice", "hello", {"a": 1}, now, now)
    conversation.dialogue_count = 1
    run, message = _turn(app.id, version.id, conversation.id)
    await store.open_generation(run, conversation=conversation, new_conversation=True, message=message)
    stored = await store.get_conversation(app.id, conversation.id)
    assert stored is not None and (stored.name, stored.dialogue_count, stored.inputs) == (
        "hello",
        1,
        {"a": 1},
    )
    assert (await store.get_run(app.id, run.id)).message_id == message.id
    assert (await store.get_message(app.id, message.id)).conversation_id == conversation.id
    # The next turn updates the conversation in the same transaction as its run and message.
    conversation.dialogue_count, conversation.updated_at = 2, now + 5
    second_run, second = _turn(app.id, version.id, conversation.id)
    await store.open_generation(second_run, conversation=conversation, message=second)
    stored = await store.get_conversation(app.id, conversation.id)
    assert stored.dialogue_count == 2 and stored.updated_at == now + 5
    assert await store.get_message_by_run(second_run.id) == await store.get_message(app.id, second.id)


async def test_a_run_alone_is_a_workflow_generation(store) -> None:
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    run, _ = _turn(app.id, version.id, None)
    run.message_id = None
    await store.open_generation(run)
    assert (await store.get_run(app.id, run.id)).status == "running"


async def test_a_refused_generation_leaves_nothing_behind(store) -> None:
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    run, message = _turn(app.id, version.id, None)
    await store.open_generation(run, message=message)
    now = float(int(time.time()))
    conversation = ConversationRecord(str(uuid.uuid4()), app.id, "alice", "new", {}, now, now)
    again, _ = _turn(app.id, version.id, conversation.id)
    again.id = run.id  # a duplicate run id: the whole call is refused
    fresh = MessageRecord(**{**message.__dict__, "id": str(uuid.uuid4()), "conversation_id": conversation.id})
    with pytest.raises(Exception):  # noqa: B017 - duplicate key, backend-specific error
        await store.open_generation(again, conversation=conversation, new_conversation=True, message=fresh)
    assert await store.get_conversation(app.id, conversation.id) is None
    assert await store.get_message(app.id, fresh.id) is None


async def test_generations_opened_together_are_refused_alone(store) -> None:
    """Twenty chat turns at once (the SQL store commits them together), one of them refused: only
    that one fails, the others are all written, and the refused one leaves nothing behind."""
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    taken, _ = _turn(app.id, version.id, None)
    taken.message_id = None
    await store.open_generation(taken)
    now = float(int(time.time()))
    turns = []
    for i in range(20):
        conversation = ConversationRecord(str(uuid.uuid4()), app.id, "alice", f"c{i}", {}, now, now)
        run, message = _turn(app.id, version.id, conversation.id)
        if i == 7:
            run.id = message.run_id = taken.id  # a duplicate run id
        turns.append((conversation, run, message))
    outcomes = await asyncio.gather(
        *(
            store.open_generation(run, conversation=conversation, new_conversation=True, message=message)
            for conversation, run, message in turns
        ),
        return_exceptions=True,
    )
    assert [i for i, outcome in enumerate(outcomes) if isinstance(outcome, Exception)] == [7]
    for i, (conversation, run, message) in enumerate(turns):
        written = i != 7
        assert (await store.get_conversation(app.id, conversation.id) is not None) == written
        assert (await store.get_message(app.id, message.id) is not None) == written
        if written:
            assert (await store.get_run(app.id, run.id)).message_id == message.id


async def test_closing_writes_the_message_and_touches_its_conversation(store) -> None:
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    now = float(int(time.time()))
    conversation = ConversationRecord(str(uuid.uuid4()), app.id, "alice", "c", {}, now, now)
    conversation.variables = {"count": 1}
    run, message = _turn(app.id, version.id, conversation.id)
    await store.open_generation(run, conversation=conversation, new_conversation=True, message=message)
    usage = {"total_tokens": 9}
    await store.close_generation(
        MessageOutcome(
            app_id=app.id,
            message_id=message.id,
            status="normal",
            answer="hello",
            usage=usage,
            retriever_resources=[{"position": 1}],
            agent_thoughts=[{"id": "t1"}],
            conversation_id=conversation.id,
            conversation_variables={"count": 2},
            at=now + 7,
        )
    )
    stored = await store.get_message(app.id, message.id)
    assert (stored.answer, stored.status, stored.error, stored.usage) == ("hello", "normal", None, usage)
    assert stored.retriever_resources == [{"position": 1}] and stored.agent_thoughts == [{"id": "t1"}]
    touched = await store.get_conversation(app.id, conversation.id)
    assert touched.variables == {"count": 2} and touched.updated_at == now + 7
    # A failed turn keeps the answer and the variables; updated_at never goes back.
    await store.close_generation(
        MessageOutcome(app.id, message.id, "error", error="boom", conversation_id=conversation.id, at=now)
    )
    stored = await store.get_message(app.id, message.id)
    assert (stored.answer, stored.status, stored.error) == ("hello", "error", "boom")
    touched = await store.get_conversation(app.id, conversation.id)
    assert touched.variables == {"count": 2} and touched.updated_at == now + 7
    # Another app's outcome changes nothing.
    await store.close_generation(MessageOutcome("other-app", message.id, "normal", answer="x"))
    assert (await store.get_message(app.id, message.id)).answer == "hello"
