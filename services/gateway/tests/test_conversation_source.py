"""Console debug conversations are not the Service API's (Dify's ``from_source``, issue 8): an end
user who happens to be called ``console`` neither sees nor touches the console token's debug chats,
which the console still continues; and neither side continues the other's conversation."""

from __future__ import annotations

import time
import uuid

from riverflow.gateway.records import RunRecord

FIXTURE = "answer_end_with_text.yml"  # a chatflow without a model: prefix{query}suffix


async def _not_found(response, message: str) -> None:
    assert response.status_code == 404, response.text
    assert response.json() == {"code": "not_found", "message": message, "status": 404}


async def test_the_service_api_never_sees_console_debug_conversations(gateway) -> None:
    app = await gateway.import_app(FIXTURE)
    draft = f"/console/api/apps/{app['id']}/advanced-chat/workflows/draft/run"
    body = {"query": "a", "inputs": {}, "response_mode": "blocking"}
    debug = (await gateway.client.post(draft, json=body, headers=gateway.console)).json()
    debug_conversation, debug_message = debug["conversation_id"], debug["message_id"]
    # The end user "console" has a conversation of their own through the Service API.
    own = (await gateway.chat(app["api_key"], "mine", user="console")).json()
    key = gateway.auth(app["api_key"])
    as_console = {"user": "console"}

    listed = await gateway.client.get("/v1/conversations", params=as_console, headers=key)
    assert [c["id"] for c in listed.json()["data"]] == [own["conversation_id"]]
    gone = "Conversation Not Exists."
    await _not_found(
        await gateway.client.get(
            "/v1/messages", params={**as_console, "conversation_id": debug_conversation}, headers=key
        ),
        gone,
    )
    await _not_found(
        await gateway.client.post(
            f"/v1/conversations/{debug_conversation}/name", json={**as_console, "name": "x"}, headers=key
        ),
        gone,
    )
    await _not_found(
        await gateway.client.get(
            f"/v1/conversations/{debug_conversation}/variables", params=as_console, headers=key
        ),
        gone,
    )
    await _not_found(
        await gateway.client.request(
            "DELETE", f"/v1/conversations/{debug_conversation}", json=as_console, headers=key
        ),
        gone,
    )
    await _not_found(
        await gateway.chat(app["api_key"], "b", user="console", conversation_id=debug_conversation), gone
    )
    feedback = {**as_console, "rating": "like"}
    await _not_found(
        await gateway.client.post(f"/v1/messages/{debug_message}/feedbacks", json=feedback, headers=key),
        "Message Not Exists.",
    )
    await _not_found(
        await gateway.client.get(f"/v1/messages/{debug_message}/suggested", params=as_console, headers=key),
        "Message Not Exists.",
    )

    # The console continues its conversation (still there, its name unchanged), never the end user's.
    again = {**body, "query": "b", "conversation_id": debug_conversation}
    reply = await gateway.client.post(draft, json=again, headers=gateway.console)
    assert reply.status_code == 200, reply.text
    assert reply.json()["conversation_id"] == debug_conversation and reply.json()["answer"] == "prefixbsuffix"
    store = gateway.app.state.services.store
    stored = await store.get_conversation(app["id"], debug_conversation)
    assert (stored.from_source, stored.from_account_id, stored.dialogue_count) == ("console", None, 2)
    assert stored.name == "a"
    message = await store.get_message(app["id"], debug_message)
    assert (message.from_source, message.user) == ("console", "console")
    foreign = {**body, "conversation_id": own["conversation_id"]}
    await _not_found(await gateway.client.post(draft, json=foreign, headers=gateway.console), gone)
    listed = await gateway.client.get("/v1/conversations", params=as_console, headers=key)
    assert [c["id"] for c in listed.json()["data"]] == [own["conversation_id"]]


async def test_the_service_api_does_not_stop_a_console_run(gateway) -> None:
    app = await gateway.import_app(FIXTURE)
    store, bus = gateway.app.state.services.store, gateway.bus
    version = await store.published_version(app["id"])
    stopped: list[str] = []

    async def publish_stop(stop) -> None:
        stopped.append(stop.run_id)

    bus.publish_stop = publish_stop  # only the request matters here, not the engine's answer
    runs = {}
    for source, end_user in (("console", None), ("service-api", str(uuid.uuid4()))):
        run = RunRecord(
            id=str(uuid.uuid4()),
            app_id=app["id"],
            workflow_id=version.id,
            task_id=str(uuid.uuid4()),
            status="running",
            inputs={},
            user="console",
            created_at=time.time(),
            mode="advanced-chat",
            end_user_id=end_user,
            created_from=source,
        )
        await store.open_generation(run)
        runs[source] = run
    key = gateway.auth(app["api_key"])
    for run in runs.values():
        path = f"/v1/chat-messages/{run.task_id}/stop"
        response = await gateway.client.post(path, json={"user": "console"}, headers=key)
        assert response.json() == {"result": "success"}
    assert stopped == [runs["service-api"].id]
    console_stop = f"/console/api/apps/{app['id']}/workflow-runs/tasks/{runs['console'].task_id}/stop"
    assert (await gateway.client.post(console_stop, headers=gateway.console)).status_code == 200
    assert stopped == [runs["service-api"].id, runs["console"].id]
