"""One behaviour suite for every ``Store``: in memory, SQLite (migrated) and PostgreSQL (migrated)."""

from __future__ import annotations

import time
import uuid

import pytest
from riverflow.gateway.chat_records import ConversationRecord, FeedbackRecord, FileRecord, MessageRecord
from riverflow.gateway.records import NewApp, RunRecord

from .conftest import STORES

pytestmark = pytest.mark.parametrize("store", STORES, indirect=True)


def _new_app(workspace_id: str, key_hash: str = "h" * 64, name: str = "echo") -> NewApp:
    return NewApp(
        workspace_id, name, "workflow", "desc", "🤖", "app:\n  mode: workflow\n", key_hash, "app-abcd"
    )


async def test_workspace_is_created_once(store) -> None:
    first = await store.ensure_workspace()
    assert await store.ensure_workspace() == first
    assert await store.ensure_workspace("other") != first


async def test_create_app_stores_app_published_version_and_key(store) -> None:
    ws = await store.ensure_workspace()
    app, version, key = await store.create_app(_new_app(ws))
    assert (app.name, app.mode, app.description, app.icon) == ("echo", "workflow", "desc", "🤖")
    assert abs(app.created_at - time.time()) < 60
    assert version.app_id == app.id and version.published and version.version == 1
    assert (key.type, key.app_id, key.prefix, key.revoked) == ("app", app.id, "app-abcd", False)
    assert await store.get_app(app.id) == app
    assert await store.published_version(app.id) == version
    grant = await store.find_key_grant("h" * 64, "app")
    assert (grant.key, grant.app, grant.workspace) == (key, app, await store.get_workspace(ws))
    # The key check also names the app's newest published version (a run needs no other read).
    assert grant.app.published_version_id == version.id
    newer = await store.publish(app.id, "app: {name: newer}")
    assert (await store.find_key_grant("h" * 64, "app")).app.published_version_id == newer.id
    assert await store.get_version(app.id, newer.id) == newer == await store.published_version(app.id)
    assert await store.get_version("other-app", newer.id) is None
    assert await store.find_key_grant("h" * 64, "dataset") is None
    assert await store.find_key_grant("x" * 64, "app") is None
    assert [a.id for a in await store.list_apps(ws)] == [app.id]
    assert await store.list_apps(await store.ensure_workspace("other")) == []


async def test_create_app_is_atomic(store) -> None:
    ws = await store.ensure_workspace()
    await store.create_app(_new_app(ws, key_hash="d" * 64, name="first"))
    with pytest.raises(Exception):  # noqa: B017 - duplicate key hash, backend-specific error
        await store.create_app(_new_app(ws, key_hash="d" * 64, name="second"))
    assert [a.name for a in await store.list_apps(ws)] == ["first"]


async def test_unknown_ids(store) -> None:
    assert await store.get_app("nope") is None
    assert await store.published_version("nope") is None
    assert await store.get_run("nope", "nope") is None


async def test_dataset_keys(store) -> None:
    ws = await store.ensure_workspace()
    key = await store.create_api_key(
        type="dataset", workspace_id=ws, app_id=None, key_hash="k" * 64, prefix="d"
    )
    grant = await store.find_key_grant("k" * 64, "dataset")
    assert (grant.key, grant.app, grant.workspace) == (key, None, await store.get_workspace(ws))
    assert await store.find_key_grant("k" * 64, "app") is None


async def test_console_tokens(store) -> None:
    assert not await store.has_console_tokens()
    await store.add_console_token("c" * 64)
    await store.add_console_token("c" * 64)  # idempotent
    assert await store.has_console_tokens()
    assert await store.console_token_valid("c" * 64)
    assert not await store.console_token_valid("e" * 64)


def _now() -> float:
    return float(int(time.time()))


async def test_drafts_versions_and_app_lifecycle(store) -> None:
    ws = await store.ensure_workspace()
    app, v1, _ = await store.create_app(_new_app(ws))
    assert (await store.get_draft(app.id)).dsl == v1.dsl
    await store.save_draft(app.id, "draft 2")
    assert (await store.published_version(app.id)).id == v1.id  # a draft is not published
    v2 = await store.publish(app.id, "draft 2")
    assert (v2.version, v2.dsl) == (2, "draft 2") and (await store.published_version(app.id)).id == v2.id
    assert [v.version for v in await store.list_versions(app.id)] == [2, 1]
    assert await store.get_version(app.id, v1.id) == v1 and await store.get_version("other", v1.id) is None
    updated = await store.update_app(app.id, name="renamed", enable_api=False)
    assert (updated.name, updated.enable_api) == ("renamed", False)
    with pytest.raises(ValueError):
        await store.update_app(app.id, mode="chat")
    assert await store.delete_app(app.id) and not await store.delete_app(app.id)
    assert (await store.get_app(app.id)).status == "deleted" and await store.list_apps(ws) == []
    assert await store.find_key_grant("h" * 64, "app") is None  # its key died with it
    new_app, _, no_key = await store.create_app(NewApp(ws, "keyless", "chat", "", "", "app: {}", None))
    assert no_key is None and await store.list_api_keys(ws, "app", new_app.id) == []


async def test_api_key_listing_and_revocation_are_scoped(store) -> None:
    ws, other_ws = await store.ensure_workspace(), await store.ensure_workspace("other")
    app, _, first = await store.create_app(_new_app(ws))
    second = await store.create_api_key(
        type="app", workspace_id=ws, app_id=app.id, key_hash="2" * 64, prefix="p"
    )
    dataset = await store.create_api_key(
        type="dataset", workspace_id=ws, app_id=None, key_hash="3" * 64, prefix="d"
    )
    assert [k.id for k in await store.list_api_keys(ws, "app", app.id)] == [first.id, second.id]
    assert [k.id for k in await store.list_api_keys(ws, "dataset", None)] == [dataset.id]
    assert not await store.revoke_api_key(second.id, other_ws, app.id)  # another tenant cannot
    assert not await store.revoke_api_key(dataset.id, ws, app.id)
    assert await store.revoke_api_key(second.id, ws, app.id)
    assert await store.find_key_grant("2" * 64, "app") is None
    assert [k.id for k in await store.list_api_keys(ws, "app", app.id)] == [first.id]


async def test_conversations_messages_feedback_files(store) -> None:
    ws = await store.ensure_workspace()
    app, _, _ = await store.create_app(_new_app(ws))
    user = await store.ensure_end_user(app.id, "alice")
    assert (
        await store.ensure_end_user(app.id, "alice") == user
        and await store.get_end_user(app.id, user.id) == user
    )
    assert await store.get_end_user("other", user.id) is None
    now = _now()
    conversations = []
    for i in range(3):
        conversation = ConversationRecord(
            id=str(uuid.uuid4()),
            app_id=app.id,
            user="alice",
            name=f"c{i}",
            inputs={"i": i},
            created_at=now + i,
            updated_at=now + 10 - i,
        )
        await store.create_conversation(conversation)
        conversations.append(conversation)
    await store.create_conversation(ConversationRecord(str(uuid.uuid4()), app.id, "bob", "b", {}, now, now))
    page, more = await store.list_conversations(app.id, "alice", last_id=None, limit=2, sort_by="-updated_at")
    assert [c.name for c in page] == ["c0", "c1"] and more
    page, more = await store.list_conversations(
        app.id, "alice", last_id=page[-1].id, limit=2, sort_by="-updated_at"
    )
    assert [c.name for c in page] == ["c2"] and not more
    page, _ = await store.list_conversations(app.id, "alice", last_id=None, limit=5, sort_by="created_at")
    assert [c.name for c in page] == ["c0", "c1", "c2"]
    with pytest.raises(LookupError):
        await store.list_conversations(
            app.id, "bob", last_id=conversations[0].id, limit=2, sort_by="-updated_at"
        )
    first = conversations[0]
    first.variables, first.dialogue_count, first.name = {"greeting": "hi"}, 2, "renamed"
    await store.update_conversation(first)
    again = await store.get_conversation(app.id, first.id)
    assert (again.variables, again.dialogue_count, again.name) == ({"greeting": "hi"}, 2, "renamed")
    assert await store.get_conversation("other", first.id) is None
    messages = []
    for i in range(3):
        message = MessageRecord(
            id=str(uuid.uuid4()),
            app_id=app.id,
            conversation_id=first.id,
            user="alice",
            run_id=f"run-{i}",
            task_id="t",
            mode="chat",
            query=f"q{i}",
            inputs={},
            created_at=now + i,
        )
        await store.create_message(message)
        messages.append(message)
    page, more = await store.list_messages(first.id, first_id=None, limit=2)
    assert [m.query for m in page] == ["q1", "q2"] and more
    page, more = await store.list_messages(first.id, first_id=page[0].id, limit=2)
    assert [m.query for m in page] == ["q0"] and not more
    with pytest.raises(LookupError):
        await store.list_messages(first.id, first_id=str(uuid.uuid4()), limit=2)
    done = messages[2]
    done.answer, done.status, done.usage, done.query = "ans", "normal", {"total_tokens": 5}, "not saved"
    await store.update_message(done)
    stored = await store.get_message(app.id, done.id)
    assert (stored.answer, stored.status, stored.usage, stored.query) == (
        "ans",
        "normal",
        {"total_tokens": 5},
        "q2",
    )
    assert (await store.get_message_by_run("run-2")).id == done.id and await store.get_message(
        "x", done.id
    ) is None
    feedback = FeedbackRecord(done.id, app.id, "alice", "like", None, now, first.id)
    await store.set_feedback(feedback, done.id)
    await store.set_feedback(
        FeedbackRecord(done.id, app.id, "alice", "dislike", "meh", now, first.id), done.id
    )
    assert (await store.get_feedback(done.id)).rating == "dislike"
    assert [f.rating for f in await store.list_feedbacks(app.id, page=1, limit=10)] == ["dislike"]
    await store.set_feedback(None, done.id)
    assert await store.get_feedback(done.id) is None
    await store.set_feedback(feedback, done.id)
    assert await store.delete_conversation(app.id, first.id) and not await store.delete_conversation(
        app.id, first.id
    )
    assert await store.get_message(app.id, done.id) is None and await store.get_feedback(done.id) is None
    file = FileRecord(
        str(uuid.uuid4()), ws, app.id, "alice", "a.txt", 3, "txt", "text/plain", "ws/a.txt", now
    )
    await store.create_file(file)
    assert await store.get_file(file.id) == file and await store.get_file("nope") is None


async def test_conversations_and_messages_keep_their_source(store) -> None:
    """Dify's ``from_source``: one ``user`` string may name an end user (``api``) and the console
    token's debug runs (``console``); each side lists and pages through its own only."""
    ws = await store.ensure_workspace()
    app, version, _ = await store.create_app(_new_app(ws))
    now = _now()
    api = ConversationRecord(str(uuid.uuid4()), app.id, "console", "api", {}, now, now)
    await store.create_conversation(api)
    debug = ConversationRecord(
        str(uuid.uuid4()), app.id, "console", "debug", {}, now, now + 1, from_source="console"
    )
    await store.create_conversation(debug)
    by_account = {"from_source": "console", "from_account_id": "acc-1"}
    account = ConversationRecord(str(uuid.uuid4()), app.id, "acc-1", "mine", {}, now, now, **by_account)
    run = RunRecord(str(uuid.uuid4()), app.id, version.id, "t", "running", {}, "acc-1", now)
    message = MessageRecord(
        str(uuid.uuid4()), app.id, account.id, "acc-1", run.id, "t", "chat", "q", {}, now, **by_account
    )
    await store.open_generation(run, conversation=account, new_conversation=True, message=message)

    async def listed(user: str, **source: str) -> list[str]:
        page, _ = await store.list_conversations(
            app.id, user, last_id=None, limit=10, sort_by="-updated_at", **source
        )
        return [c.id for c in page]

    assert await listed("console") == [api.id] == await listed("console", source="api")
    assert await listed("console", source="console") == [debug.id]
    assert await listed("acc-1", source="console") == [account.id] and await listed("acc-1") == []
    with pytest.raises(LookupError):  # another source's conversation is no cursor
        await store.list_conversations(app.id, "console", last_id=debug.id, limit=2, sort_by="-updated_at")
    debug.name, debug.dialogue_count = "renamed", 2
    await store.update_conversation(debug)
    stored = await store.get_conversation(app.id, debug.id)
    assert (stored.name, stored.from_source, stored.from_account_id) == ("renamed", "console", None)
    stored = await store.get_conversation(app.id, account.id)
    assert (stored.from_source, stored.from_account_id) == ("console", "acc-1")
    assert (await store.get_conversation(app.id, api.id)).from_source == "api"
    message.answer, message.status = "a", "normal"
    await store.update_message(message)
    stored_message = await store.get_message(app.id, message.id)
    assert (stored_message.answer, stored_message.from_source, stored_message.from_account_id) == (
        "a",
        "console",
        "acc-1",
    )


async def test_accounts_members_sessions_credentials(store) -> None:
    ws, other = await store.ensure_workspace(), await store.ensure_workspace("other")
    account = await store.create_account("Ann@Example.com", "Ann", "hash")
    assert account.email == "ann@example.com" and await store.find_account(" ANN@example.com") == account
    with pytest.raises(ValueError):
        await store.create_account("ann@example.com", "Again", "hash")
    member = await store.set_member(ws, account.id, "editor")
    assert (member.role, member.email) == ("editor", "ann@example.com")
    await store.set_member(ws, account.id, "admin")
    await store.set_member(other, account.id, "viewer")
    assert (await store.get_member(ws, account.id)).role == "admin"
    assert [(w.id, role) for w, role in await store.list_account_workspaces(account.id)] == [
        (ws, "admin"),
        (other, "viewer"),
    ]
    assert [m.account_id for m in await store.list_members(ws)] == [account.id]
    session = await store.create_session("s" * 64, account.id, ws, time.time() + 60)
    assert (await store.find_session("s" * 64)).id == session.id
    await store.switch_session(session.id, other)
    assert (await store.find_session("s" * 64)).workspace_id == other
    await store.revoke_session(session.id)
    assert await store.find_session("s" * 64) is None
    await store.create_session("e" * 64, account.id, ws, time.time() - 1)
    assert await store.find_session("e" * 64) is None  # expired
    assert await store.remove_member(ws, account.id) and await store.get_member(ws, account.id) is None
    await store.set_credentials(ws, "openai", b"sealed-1")
    await store.set_credentials(ws, "openai", b"sealed-2")
    await store.set_credentials(other, "anthropic", b"sealed-3")
    assert (await store.get_credentials(ws, "openai")).sealed == b"sealed-2"
    assert [c.provider for c in await store.list_credentials(ws)] == ["openai"]
    assert await store.get_credentials(other, "openai") is None
    assert await store.delete_credentials(ws, "openai") and not await store.delete_credentials(ws, "openai")
