"""A node's last run in the draft (issue 8): its newest execution in a single-step or debug run of the
draft, 404 before it ran; published runs never count; the run detail names single-step runs so."""

from __future__ import annotations

import uuid

from riverflow.gateway.records import RunQuery

APP = "single_step_workflow.yml"


def _last_run(app: dict, node_id: str) -> str:
    return f"/console/api/apps/{app['id']}/workflows/draft/nodes/{node_id}/last-run"


async def _step(gateway, app: dict, inputs: dict) -> dict:
    path = f"/console/api/apps/{app['id']}/workflows/draft/nodes/format/run"
    ran = await gateway.client.post(path, json={"inputs": inputs}, headers=gateway.console)
    assert ran.status_code == 200, ran.text
    return ran.json()


async def test_the_last_single_step_run_is_answered_and_its_run_says_single_step(gateway) -> None:
    app = await gateway.import_app(APP)
    none = await gateway.client.get(_last_run(app, "format"), headers=gateway.console)
    assert none.status_code == 404 and none.json() == {
        "code": "not_found",
        "message": "Last run not found.",
        "status": 404,
    }
    await _step(gateway, app, {"body": "first", "topic": "t"})
    second = await _step(gateway, app, {"body": "second", "topic": "t"})
    last = await gateway.client.get(_last_run(app, "format"), headers=gateway.console)
    assert last.status_code == 200, last.text
    assert last.json() == second  # the newest, in the same shape as the run answered
    assert (
        last.json()["outputs"] == {"output": "second (t)"} and last.json()["triggered_from"] == "single-step"
    )
    other = await gateway.client.get(_last_run(app, "measure"), headers=gateway.console)
    assert other.status_code == 404  # another node's runs are not this one's

    store = gateway.app.state.services.store
    [run], _ = await store.list_runs(app["id"], RunQuery(created_from="single-step", limit=1))
    detail = await gateway.client.get(
        f"/console/api/apps/{app['id']}/workflow-runs/{run.id}", headers=gateway.console
    )
    assert detail.status_code == 200, detail.text
    body = detail.json()
    assert body["triggered_from"] == "single-step" and body["version"] == "draft"
    assert body["created_by_role"] == "account" and body["created_by_end_user"] is None


async def test_a_debug_run_of_the_draft_counts_and_a_published_run_does_not(gateway) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")
    published = await gateway.run(app["api_key"], {"inputs": {"query": "x"}, "user": "u"})
    assert published.status_code == 200, published.text
    path = _last_run(app, "1754154034161")  # the end node
    assert (await gateway.client.get(path, headers=gateway.console)).status_code == 404

    debug = await gateway.client.post(
        f"/console/api/apps/{app['id']}/workflows/draft/run",
        json={"inputs": {"query": "river"}, "response_mode": "blocking"},
        headers=gateway.console,
    )
    assert debug.status_code == 200, debug.text
    last = (await gateway.client.get(path, headers=gateway.console)).json()
    assert last["node_type"] == "end" and last["outputs"] == {"query": "river"}
    assert last["triggered_from"] == "workflow-run" and last["created_by_role"] == "account"


async def test_last_run_refusals(gateway) -> None:
    chat = await gateway.import_app("assistant_chat.yml")
    wrong = await gateway.client.get(_last_run(chat, "llm"), headers=gateway.console)
    assert wrong.status_code == 400 and wrong.json()["code"] == "not_workflow_app"
    unknown = await gateway.client.get(_last_run({"id": str(uuid.uuid4())}, "x"), headers=gateway.console)
    assert unknown.status_code == 404 and unknown.json()["code"] == "not_found"
    anonymous = await gateway.client.get(_last_run(chat, "llm"))
    assert anonymous.status_code == 401
