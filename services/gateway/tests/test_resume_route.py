"""Resuming a failed workflow run (service API and console): only the failed node runs again."""

from __future__ import annotations

import dataclasses
import time
from collections import Counter

import pytest
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult
from riverflow.gateway.adapters.sql_store import SqlStore

TWO = "two_model_workflow.yml"
RUN = {"inputs": {"topic": "rivers"}, "response_mode": "blocking", "user": "u1"}


class Model:
    """The model's stand-in: ``polish`` fails until ``fixed``; every task is recorded."""

    def __init__(self) -> None:
        self.fixed = False
        self.tasks: list[NodeTaskRequested] = []

    async def __call__(self, task: NodeTaskRequested) -> NodeTaskResult:
        self.tasks.append(task)
        ok = task.node_id == "draft" or self.fixed
        return NodeTaskResult(
            event_id=task.idempotency_key,
            run_id=task.run_id,
            node_id=task.node_id,
            attempt=task.attempt,
            status="succeeded" if ok else "failed",
            outputs={"text": f"{task.node_id} text"} if ok else {},
            error=None if ok else "model provider is down",
            at=time.time(),
        )

    def calls(self) -> Counter[str]:
        return Counter(t.node_id for t in self.tasks)


@pytest.fixture
def model() -> Model:
    return Model()


@pytest.fixture
def task_executor(model):
    return model


async def _failed_run(gateway, model: Model) -> tuple[str, str]:
    app = await gateway.import_app(TWO)
    key = app["api_key"]
    response = await gateway.run(key, RUN)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"]["status"] == "failed" and body["data"]["error"] == "model provider is down"
    assert model.calls() == {"draft": 1, "polish": 1}
    model.fixed = True
    return key, body["workflow_run_id"]


def _resume_path(run_id: str) -> str:
    return f"/v1/workflows/runs/{run_id}/resume"


async def test_blocking_resume_reruns_only_the_failed_node(gateway, model) -> None:
    key, run_id = await _failed_run(gateway, model)
    response = await gateway.client.post(
        _resume_path(run_id), json={"user": "u1", "response_mode": "blocking"}, headers=gateway.auth(key)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["workflow_run_id"] == run_id
    assert body["data"]["status"] == "succeeded" and body["data"]["error"] is None
    assert body["data"]["outputs"] == {"draft": "draft text", "text": "polish text"}
    assert model.calls() == {"draft": 1, "polish": 2}
    assert [t.attempt for t in model.tasks if t.node_id == "polish"] == [1, 2]
    detail = (await gateway.client.get(f"/v1/workflows/run/{run_id}", headers=gateway.auth(key))).json()
    assert detail["status"] == "succeeded" and detail["error"] is None
    assert detail["outputs"] == {"draft": "draft text", "text": "polish text"}
    # The run is no longer failed: resuming it again is refused.
    again = await gateway.client.post(_resume_path(run_id), json={"user": "u1"}, headers=gateway.auth(key))
    assert again.status_code == 400
    assert again.json() == {
        "code": "invalid_param",
        "message": "Only a failed run can be resumed.",
        "status": 400,
    }


async def test_streaming_resume_relays_only_the_new_events(gateway, model) -> None:
    key, run_id = await _failed_run(gateway, model)
    response = await gateway.client.post(
        _resume_path(run_id), json={"user": "u1", "response_mode": "streaming"}, headers=gateway.auth(key)
    )
    assert response.status_code == 200, response.text
    frames = gateway.parse_sse(response.text)
    events = [f["event"] for f in frames]
    assert events[0] == "workflow_started" and frames[0]["data"]["reason"] == "resumption"
    assert all(f["workflow_run_id"] == run_id for f in frames)
    started = [f["data"]["node_id"] for f in frames if f["event"] == "node_started"]
    assert started == ["polish", "end"]
    assert events.count("workflow_finished") == 1 and events[-1] == "workflow_finished"
    assert frames[-1]["data"]["status"] == "succeeded"
    assert frames[-1]["data"]["outputs"] == {"draft": "draft text", "text": "polish text"}
    assert model.calls() == {"draft": 1, "polish": 2}


async def test_resume_refuses_unknown_other_apps_and_unfailed_runs(gateway, model) -> None:
    key, run_id = await _failed_run(gateway, model)
    other = (await gateway.import_app(TWO))["api_key"]
    for path, headers in [
        (_resume_path("no-such-run"), gateway.auth(key)),
        (_resume_path(run_id), gateway.auth(other)),
    ]:
        response = await gateway.client.post(path, json={"user": "u1"}, headers=headers)
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
    no_user = await gateway.client.post(_resume_path(run_id), json={}, headers=gateway.auth(key))
    assert no_user.status_code == 400
    succeeded = (await gateway.run(other, RUN)).json()
    assert succeeded["data"]["status"] == "succeeded"
    refused = await gateway.client.post(
        _resume_path(succeeded["workflow_run_id"]), json={"user": "u1"}, headers=gateway.auth(other)
    )
    assert refused.status_code == 400 and refused.json()["code"] == "invalid_param"
    assert model.calls() == {"draft": 2, "polish": 2}  # nothing ran for the refused requests


async def test_a_run_that_failed_before_any_node_is_refused_at_once(gateway, model) -> None:
    key, run_id = await _failed_run(gateway, model)
    store = SqlStore(gateway.engine)
    failed = await store.get_run_any(run_id)
    # As the recorder keeps a run the engine refused at its start (bad graph): failed, no node ran.
    early = dataclasses.replace(failed, id="run-failed-early", task_id="task-early", error="bad graph")
    await store.create_run(early)
    response = await gateway.client.post(
        _resume_path(early.id), json={"user": "u1"}, headers=gateway.auth(key)
    )
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid_param" and body["status"] == 400
    assert "failed before any node ran (bad graph)" in body["message"]
    assert (await store.get_run_any(early.id)).status == "failed"  # left as it was
    assert model.calls() == {"draft": 1, "polish": 1}  # nothing ran


async def test_console_resume(gateway, model) -> None:
    key, run_id = await _failed_run(gateway, model)
    apps = (await gateway.client.get("/console/api/apps", headers=gateway.console)).json()["data"]
    app_id = apps[0]["id"]
    other = await gateway.import_app(TWO)
    wrong = await gateway.client.post(
        f"/console/api/apps/{other['id']}/workflow-runs/{run_id}/resume", json={}, headers=gateway.console
    )
    assert wrong.status_code == 404
    anonymous = await gateway.client.post(
        f"/console/api/apps/{app_id}/workflow-runs/{run_id}/resume", json={}
    )
    assert anonymous.status_code == 401
    response = await gateway.client.post(
        f"/console/api/apps/{app_id}/workflow-runs/{run_id}/resume",
        json={"response_mode": "blocking"},
        headers=gateway.console,
    )
    assert response.status_code == 200, response.text
    assert response.json()["data"]["status"] == "succeeded"
    assert model.calls() == {"draft": 1, "polish": 2}
    detail = (await gateway.client.get(f"/v1/workflows/run/{run_id}", headers=gateway.auth(key))).json()
    assert detail["status"] == "succeeded"
