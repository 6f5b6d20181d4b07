"""Single-step runs of the draft (issue 8): one node runs alone with the values it reads given as
selectors, answers Dify's node execution, is kept out of the run lists; bad requests leave nothing."""

from __future__ import annotations

import uuid

import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.gateway.records import RunQuery

from .conftest import succeeded

APP = "single_step_workflow.yml"
EXECUTION_KEYS = {
    "id", "index", "predecessor_node_id", "node_id", "node_type", "title", "inputs", "process_data",
    "outputs", "status", "error", "elapsed_time", "execution_metadata", "extras", "created_at",
    "finished_at", "created_by_role", "created_by_account", "created_by_end_user", "triggered_from",
}  # fmt: skip


class EchoModel:
    """The model's stand-in: answers with the prompt it was given, and keeps the tasks."""

    def __init__(self) -> None:
        self.tasks: list[NodeTaskRequested] = []

    async def __call__(self, task: NodeTaskRequested) -> NodeTaskResult:
        self.tasks.append(task)
        prompt = task.inputs["prompt_messages"][-1]["content"]
        return succeeded(task, {"text": f"echo: {prompt}"}, total_tokens=5)


@pytest.fixture
def task_executor() -> EchoModel:
    return EchoModel()


def _path(app: dict, node_id: str) -> str:
    return f"/console/api/apps/{app['id']}/workflows/draft/nodes/{node_id}/run"


async def test_a_template_node_runs_alone_and_stays_out_of_the_run_lists(gateway, task_executor) -> None:
    app = await gateway.import_app(APP)
    base = f"/console/api/apps/{app['id']}"
    ran = await gateway.client.post(
        _path(app, "format"),
        json={"inputs": {"#draft.text#": "A river.", "#start.topic#": "rivers"}},
        headers=gateway.console,
    )
    assert ran.status_code == 200, ran.text
    body = ran.json()
    assert set(body) == EXECUTION_KEYS
    assert (
        body["node_id"] == "format"
        and body["node_type"] == "template-transform"
        and body["title"] == "Format"
    )
    assert body["status"] == "succeeded" and body["error"] is None
    assert body["outputs"] == {"output": "A river. (rivers)"}
    assert body["elapsed_time"] >= 0 and body["index"] == 1 and body["predecessor_node_id"] is None
    assert body["created_by_role"] == "account" and body["triggered_from"] == "single-step"
    assert task_executor.tasks == []  # nothing before or after the node ran: no model call

    # Dify keeps single-step runs apart: neither the debugger's runs nor the app's logs list them.
    for trigger in ("debugging", "app-run"):
        listed = await gateway.client.get(
            f"{base}/workflow-runs?triggered_from={trigger}", headers=gateway.console
        )
        assert listed.json()["data"] == []
    logs = await gateway.client.get("/v1/workflows/logs", headers=gateway.auth(app["api_key"]))
    assert logs.json()["data"] == []
    store = gateway.app.state.services.store
    runs, _ = await store.list_runs(app["id"], RunQuery(created_from="single-step"))
    assert [r.status for r in runs] == ["succeeded"]
    executions = await store.list_node_executions(runs[0].id)
    assert [(e.id, e.node_id) for e in executions] == [(body["id"], "format")]


async def test_a_model_node_is_dispatched_with_the_given_values(gateway, task_executor) -> None:
    app = await gateway.import_app(APP)
    ran = await gateway.client.post(
        _path(app, "draft"), json={"inputs": {"#start.topic#": "deltas"}}, headers=gateway.console
    )
    assert ran.status_code == 200, ran.text
    body = ran.json()
    assert body["status"] == "succeeded" and body["outputs"]["text"] == "echo: Draft about deltas"
    assert body["inputs"] == {"#start.topic#": "deltas"}  # the model reports none: the values given
    [task] = task_executor.tasks
    assert task.node_id == "draft" and task.inputs["prompt_messages"] == [
        {"role": "user", "content": "Draft about deltas"}
    ]
    # By name (Dify's key for a template's own input variables) and with sys values.
    named = await gateway.client.post(
        _path(app, "format"),
        json={"inputs": {"body": "B", "topic": "T", "sys.user_id": "bob"}},
        headers=gateway.console,
    )
    assert named.json()["outputs"] == {"output": "B (T)"}


async def test_a_failing_node_answers_its_error(gateway) -> None:
    app = await gateway.import_app(APP)
    graph = (
        await gateway.client.get(f"/console/api/apps/{app['id']}/workflows/draft", headers=gateway.console)
    ).json()["graph"]
    node = next(n for n in graph["nodes"] if n["id"] == "format")
    node["data"]["template"] = "{{ body / 0 }}"
    saved = await gateway.client.post(
        f"/console/api/apps/{app['id']}/workflows/draft", json={"graph": graph}, headers=gateway.console
    )
    assert saved.status_code == 200, saved.text
    ran = await gateway.client.post(
        _path(app, "format"), json={"inputs": {"body": "x", "topic": "t"}}, headers=gateway.console
    )
    assert ran.status_code == 200, ran.text
    assert ran.json()["status"] == "failed" and ran.json()["error"]


async def test_bad_requests_are_refused_and_leave_nothing_behind(gateway) -> None:
    app = await gateway.import_app(APP)
    chat = await gateway.import_app("assistant_chat.yml")
    before = await gateway.row_counts()

    async def refused(path: str, status: int, code: str, message: str, **request) -> None:
        response = await gateway.client.post(path, headers=gateway.console, **request)
        assert response.status_code == status, response.text
        error = response.json()
        assert error["code"] == code and error["status"] == status
        assert message in error["message"], error["message"]

    await refused(
        _path(app, "nope"), 404, "not_found", "Node nope is not in the draft workflow.", json={"inputs": {}}
    )
    await refused(
        _path(app, "start"), 400, "invalid_param", "Node start (start) cannot run", json={"inputs": {}}
    )
    await refused(_path(app, "end"), 400, "invalid_param", "Node end (end) cannot run", json={"inputs": {}})
    await refused(
        _path(app, "each"), 400, "invalid_param", "Node each (iteration) cannot run", json={"inputs": {}}
    )
    await refused(
        _path(app, "shout"),
        400,
        "invalid_param",
        "inside the iteration or loop each",
        json={"inputs": {"item": 1}},
    )
    await refused(
        _path(app, "format"),
        400,
        "invalid_param",
        "Node format reads variables that have no value: give '#draft.text#' in inputs.",
        json={"inputs": {"#start.topic#": "t"}},
    )
    await refused(
        _path(app, "format"),
        400,
        "invalid_param",
        "Input 'nobody' names no variable",
        json={"inputs": {"nobody": 1}},
    )
    await refused(_path(app, "format"), 400, "invalid_param", "inputs", json={"inputs": "x"})
    await refused(_path(app, "format"), 400, "invalid_param", "inputs", json={})
    malformed = await gateway.client.post(
        _path(app, "format"),
        content=b'{"inputs": {',
        headers={**gateway.console, "Content-Type": "application/json"},
    )
    assert malformed.status_code == 400 and malformed.json()["code"] == "invalid_param", malformed.text
    await refused(_path(chat, "llm"), 400, "not_workflow_app", "app mode", json={"inputs": {}})
    await refused(
        f"/console/api/apps/{uuid.uuid4()}/workflows/draft/nodes/format/run",
        404,
        "not_found",
        "",
        json={"inputs": {}},
    )
    assert await gateway.row_counts() == before
