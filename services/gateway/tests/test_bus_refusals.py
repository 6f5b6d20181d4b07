"""Refused runs: 429 when the run queue is full, 503 when the broker is away; recorded as failed."""

from __future__ import annotations

import pytest
from riverflow.gateway.ports import BusUnavailable, RunQueueFull


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (RunQueueFull("maximum messages exceeded"), 429, "too_many_requests"),
        (BusUnavailable("nats: timeout"), 503, "service_unavailable"),
    ],
)
async def test_refused_publish_answers_difys_error_body(gateway, monkeypatch, error, status, code) -> None:
    app = await gateway.import_app("simple_passthrough_workflow.yml")

    async def refuse(_request) -> None:
        raise error

    monkeypatch.setattr(gateway.bus, "publish_run", refuse)
    before = await gateway.row_counts()
    response = await gateway.run(
        app["api_key"], {"inputs": {"query": "x"}, "user": "u", "response_mode": "blocking"}
    )
    assert response.status_code == status
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["message"]
    assert "nats" not in body["message"].lower(), "broker internals stay out of the client's answer"
    # The refused run is on record as failed, not left "running" forever.
    assert (await gateway.row_counts()).get("workflow_runs") == before.get("workflow_runs", 0) + 1
    logs = await gateway.client.get("/v1/workflows/logs", headers=gateway.auth(app["api_key"]))
    [entry] = logs.json()["data"]
    assert entry["workflow_run"]["status"] == "failed"
    assert "not accepted" in entry["workflow_run"]["error"]


async def test_health_and_readiness(gateway) -> None:
    assert (await gateway.client.get("/healthz")).status_code == 200
    assert (await gateway.client.get("/readyz")).json() == {"status": "ready"}
