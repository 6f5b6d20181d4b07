"""Console draft runs and run history: the draft runs unpublished through the Service API's run path,
is recorded as a console run, and is read back with its node executions; refusals leave nothing."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from riverflow.gateway.records import RunQuery, RunRecord

from .conftest import STORES
from .test_run_control import Gate

PASSWORD = "river-pass-1"


@pytest.fixture
def task_executor() -> Gate:
    """Holds a model task until released (only the slow app has a model node)."""
    return Gate()


async def _token(gateway, email: str, role: str) -> str:
    added = await gateway.client.post(
        "/console/api/workspaces/current/members",
        json={"email": email, "name": email.split("@")[0], "password": PASSWORD, "role": role},
        headers=gateway.console,
    )
    assert added.status_code == 201, added.text
    login = await gateway.client.post("/console/api/login", json={"email": email, "password": PASSWORD})
    return login.json()["data"]["access_token"]


async def _edit_end_output(gateway, base: str, name: str) -> None:
    """Rename the passthrough's end output in the draft, so the draft's runs are told apart."""
    graph = (await gateway.client.get(f"{base}/workflows/draft", headers=gateway.console)).json()["graph"]
    end = next(n for n in graph["nodes"] if n["data"]["type"] == "end")
    end["data"]["outputs"][0]["variable"] = name
    saved = await gateway.client.post(
        f"{base}/workflows/draft", json={"graph": graph}, headers=gateway.console
    )
    assert saved.status_code == 200, saved.text


async def test_a_draft_run_streams_is_recorded_as_console_and_publishes_nothing(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    base = f"/console/api/apps/{app['id']}"
    await _edit_end_output(gateway, base, "echoed")
    versions = (await gateway.client.get(f"{base}/workflows", headers=gateway.console)).json()["items"]
    streamed = await gateway.client.post(
        f"{base}/workflows/draft/run", json={"inputs": {"query": "river"}}, headers=gateway.console
    )
    assert streamed.status_code == 200 and streamed.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in gateway.parse_sse(streamed.text) if not f.get("_ping")]
    events = [f["event"] for f in frames]
    assert events[0] == "workflow_started" and events[-1] == "workflow_finished"
    assert {"node_started", "node_finished"} <= set(events)
    assert frames[-1]["data"]["outputs"] == {"echoed": "river"}  # the draft ran, not version 1
    run_id = frames[0]["workflow_run_id"]
    # Nothing was published; the Service API still runs version 1.
    after = (await gateway.client.get(f"{base}/workflows", headers=gateway.console)).json()["items"]
    assert after == versions
    published = await gateway.run(app["api_key"], {"inputs": {"query": "x"}, "user": "u"})
    assert published.json()["data"]["outputs"] == {"query": "x"}

    listed = (await gateway.client.get(f"{base}/workflow-runs", headers=gateway.console)).json()
    assert listed["has_more"] is False and [r["id"] for r in listed["data"]] == [run_id]
    item = listed["data"][0]
    assert item["version"] == "draft" and item["status"] == "succeeded"
    assert item["triggered_from"] == "debugging" and item["total_steps"] >= 2
    api_runs = (
        await gateway.client.get(f"{base}/workflow-runs?triggered_from=app-run", headers=gateway.console)
    ).json()["data"]
    assert [r["version"] for r in api_runs] == ["1"]
    logs = (await gateway.client.get("/v1/workflows/logs", headers=gateway.auth(app["api_key"]))).json()
    assert [log["id"] for log in logs["data"]] == [api_runs[0]["id"]]  # debug runs are not app logs

    detail = (await gateway.client.get(f"{base}/workflow-runs/{run_id}", headers=gateway.console)).json()
    assert detail["inputs"] == {"query": "river"} and detail["outputs"] == {"echoed": "river"}
    assert detail["created_by_role"] == "account" and detail["graph"] is None
    executions = (
        await gateway.client.get(f"{base}/workflow-runs/{run_id}/node-executions", headers=gateway.console)
    ).json()["data"]
    assert [e["node_type"] for e in executions] == ["start", "end"]
    assert executions[1]["outputs"] == {"echoed": "river"} and executions[1]["status"] == "succeeded"
    api_detail = await gateway.client.get(
        f"{base}/workflow-runs/{api_runs[0]['id']}", headers=gateway.console
    )
    assert api_detail.json()["graph"]["nodes"]  # a published run names its version's graph


async def test_refused_draft_runs_leave_nothing_behind(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    chat = await gateway.import_app("answer_end_with_text.yml")
    base = f"/console/api/apps/{app['id']}"
    before = await gateway.row_counts()

    async def refused(path: str, body: dict, status: int, code: str, headers=None) -> None:
        response = await gateway.client.post(path, json=body, headers=headers or gateway.console)
        assert response.status_code == status, response.text
        assert response.json()["code"] == code and response.json()["status"] == status
        assert response.json()["message"]

    await refused(f"{base}/workflows/draft/run", {"inputs": {}}, 400, "invalid_param")  # required query
    await refused(f"{base}/workflows/draft/run", {"inputs": "x"}, 400, "invalid_param")
    await refused(f"/console/api/apps/{uuid.uuid4()}/workflows/draft/run", {"inputs": {}}, 404, "not_found")
    await refused(
        f"/console/api/apps/{chat['id']}/workflows/draft/run", {"inputs": {}}, 400, "not_workflow_app"
    )
    await refused(f"{base}/advanced-chat/workflows/draft/run", {"query": "q"}, 400, "not_chat_app")
    # The owner of another workspace does not see this app.
    owner = await _token(gateway, "o@example.com", "owner")
    created = await gateway.client.post(
        "/console/api/workspaces", json={"name": "b"}, headers=gateway.auth(owner)
    )
    switched = await gateway.client.post(
        "/console/api/workspaces/switch",
        json={"tenant_id": created.json()["id"]},
        headers=gateway.auth(owner),
    )
    assert switched.status_code == 200
    await refused(
        f"{base}/workflows/draft/run", {"inputs": {"query": "q"}}, 404, "not_found", gateway.auth(owner)
    )
    before = await gateway.row_counts()  # the new workspace is the test's own
    # A draft that cannot run (written behind the console's back) is refused before it is recorded.
    svc = gateway.app.state.services
    await svc.store.save_draft(
        app["id"], "app: {mode: workflow, name: broken}\nworkflow: {graph: {nodes: 3}}\n"
    )
    await refused(f"{base}/workflows/draft/run", {"inputs": {"query": "q"}}, 400, "app_unavailable")
    assert await gateway.row_counts() == before
    assert (await gateway.client.get(f"{base}/workflow-runs", headers=gateway.console)).json()["data"] == []


async def test_editors_run_drafts_and_viewers_read_history(gateway) -> None:
    viewer = await _token(gateway, "v@example.com", "viewer")
    editor = await _token(gateway, "e@example.com", "editor")
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    base = f"/console/api/apps/{app['id']}"
    body = {"inputs": {"query": "q"}, "response_mode": "blocking"}
    denied = await gateway.client.post(f"{base}/workflows/draft/run", json=body, headers=gateway.auth(viewer))
    assert denied.status_code == 403 and denied.json()["code"] == "forbidden"
    ran = await gateway.client.post(f"{base}/workflows/draft/run", json=body, headers=gateway.auth(editor))
    assert ran.status_code == 200 and ran.json()["data"]["status"] == "succeeded", ran.text
    runs = (await gateway.client.get(f"{base}/workflow-runs", headers=gateway.auth(viewer))).json()["data"]
    assert [r["id"] for r in runs] == [ran.json()["workflow_run_id"]]
    assert runs[0]["created_by_account"]["email"] == "e@example.com"
    nodes = await gateway.client.get(
        f"{base}/workflow-runs/{runs[0]['id']}/node-executions", headers=gateway.auth(viewer)
    )
    assert nodes.status_code == 200 and len(nodes.json()["data"]) == 2
    missing = await gateway.client.get(f"{base}/workflow-runs/{uuid.uuid4()}", headers=gateway.auth(viewer))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


async def test_chatflow_draft_runs_keep_their_conversation_and_pages_follow_last_id(gateway) -> None:
    app = await gateway.import_app("answer_end_with_text.yml")
    base = f"/console/api/apps/{app['id']}"
    path = f"{base}/advanced-chat/workflows/draft/run"
    first = await gateway.client.post(path, json={"query": "a", "inputs": {}}, headers=gateway.console)
    frames = [f for f in gateway.parse_sse(first.text) if not f.get("_ping")]
    assert "".join(f.get("answer", "") for f in frames if f["event"] == "message") == "prefixasuffix"
    conversation = next(f["conversation_id"] for f in frames if f["event"] == "message_end")
    for query in ("b", "c"):
        reply = await gateway.client.post(
            path,
            json={"query": query, "inputs": {}, "conversation_id": conversation, "response_mode": "blocking"},
            headers=gateway.console,
        )
        assert (
            reply.json()["conversation_id"] == conversation
            and reply.json()["answer"] == f"prefix{query}suffix"
        )
    runs_path = f"{base}/advanced-chat/workflow-runs"
    page = (await gateway.client.get(f"{runs_path}?limit=2", headers=gateway.console)).json()
    assert len(page["data"]) == 2 and page["has_more"] is True
    assert all(r["conversation_id"] == conversation for r in page["data"])
    rest = (
        await gateway.client.get(
            f"{runs_path}?limit=2&last_id={page['data'][-1]['id']}", headers=gateway.console
        )
    ).json()
    assert len(rest["data"]) == 1 and rest["has_more"] is False
    assert {r["id"] for r in page["data"]}.isdisjoint(r["id"] for r in rest["data"])


async def test_an_editor_stops_a_debug_run(gateway, task_executor) -> None:
    gate = task_executor
    app = await gateway.import_app("slow_model_workflow.yml")
    base = f"/console/api/apps/{app['id']}"
    editor = await _token(gateway, "e@example.com", "editor")
    viewer = await _token(gateway, "v@example.com", "viewer")
    body = {"inputs": {"topic": "rivers"}, "response_mode": "blocking"}
    run = asyncio.create_task(
        gateway.client.post(f"{base}/workflows/draft/run", json=body, headers=gateway.console)
    )
    await asyncio.wait_for(gate.started.wait(), 5)
    (record,), _ = await gateway.app.state.services.store.list_runs(app["id"], RunQuery())
    stop = f"{base}/workflow-runs/tasks/{record.task_id}/stop"
    assert (await gateway.client.post(stop, headers=gateway.auth(viewer))).status_code == 403
    stopped = await gateway.client.post(stop, headers=gateway.auth(editor))  # not the editor's own run
    assert stopped.status_code == 200 and stopped.json() == {"result": "success"}
    finished = await asyncio.wait_for(run, 10)
    assert finished.json()["data"]["status"] == "stopped"
    gate.release.set()
    listed = (await gateway.client.get(f"{base}/workflow-runs", headers=gateway.console)).json()["data"]
    assert listed[0]["status"] == "stopped"


@pytest.mark.parametrize("store", STORES, indirect=True)
async def test_stores_list_runs_by_where_they_were_created(store) -> None:
    workspace = await store.ensure_workspace()
    from riverflow.gateway.records import NewApp

    app, version, _ = await store.create_app(NewApp(workspace, "a", "workflow", "", "", "app: {}", None))
    now = time.time()
    for index, created_from in enumerate(("console", "service-api", "console")):
        await store.create_run(
            RunRecord(
                id=str(uuid.uuid4()),
                app_id=app.id,
                workflow_id=version.id,
                task_id=str(uuid.uuid4()),
                status="succeeded",
                inputs={},
                user="u",
                created_at=now + index,
                created_from=created_from,
            )
        )
    console, total = await store.list_runs(app.id, RunQuery(created_from="console"))
    assert total == 2 and [r.created_from for r in console] == ["console", "console"]
    assert console[0].created_at > console[1].created_at
    _, everything = await store.list_runs(app.id, RunQuery())
    assert everything == 3
