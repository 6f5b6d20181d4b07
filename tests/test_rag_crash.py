"""SIGKILL the rag service during a batch of concurrent knowledge-retrieval runs: every run finishes
with the right retrieval result, none is lost, and no node result is recorded twice in its log.

Real gateway, orchestrator and rag processes on a nats-server of this module's own (so the rag
consumer's short ack wait, and with it the redelivery after the kill, is this test's).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from riverflow.runtime.nats_server import free_port

from tests.platform import Platform, running_platform
from tests.run_audit import audit_runs
from tests.test_rag_workflow import _dsl, _fill

pytestmark = [pytest.mark.integration, pytest.mark.timeout(1200)]

RUNS = 60
QUERIES = ["when are expenses refunded", "where do vacation requests go"]


@pytest.fixture(scope="module")
def rag_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, int]]:
    work = tmp_path_factory.mktemp("rag-crash")
    grpc_port = free_port()
    env = {
        "RAG_HOST": "127.0.0.1",
        "RAG_GRPC_PORT": str(grpc_port),
        "RAG_HEALTH_PORT": "0",
        "RAG_DATA_DIR": str(work / "rag"),
        "RAG_EMBEDDING_MODEL": "hashing-256",
        "NATS_ACK_WAIT_SECONDS": "4",
    }
    with running_platform(work, ("orchestrator", "rag"), env) as running:
        yield running, grpc_port


def _essence(result: list[dict]) -> list[tuple]:
    """What a retrieval must give every time (hit counters move with every query)."""
    return [(r["content"], r["title"], r["metadata"]["segment_id"], r["metadata"]["score"]) for r in result]


async def _run(client: httpx.AsyncClient, key: str, query: str, finished: list[str]) -> dict:
    response = await client.post(
        "/v1/workflows/run",
        json={"inputs": {"query": query}, "response_mode": "blocking", "user": "crash"},
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == 200, response.text
    finished.append(query)
    return response.json()


async def test_rag_sigkill_mid_batch_loses_and_repeats_nothing(
    rag_platform: tuple[Platform, int], tmp_path: Path
) -> None:
    platform, grpc_port = rag_platform
    profile = httpx.get(
        f"{platform.base_url}/console/api/account/profile",
        headers={"Authorization": f"Bearer {Platform.CONSOLE_TOKEN}"},
        timeout=30,
    )
    dataset_id = await _fill(grpc_port, profile.json()["workspace_id"])
    dsl = tmp_path / "kb.yml"
    dsl.write_text(yaml.safe_dump(_dsl(dataset_id), allow_unicode=True))
    key = platform.import_app(dsl)["api_key"]

    limits = httpx.Limits(max_connections=RUNS + 10)
    async with httpx.AsyncClient(base_url=platform.base_url, timeout=300, limits=limits) as client:
        # What each query retrieves with nothing going wrong.
        expected = {
            q: _essence((await _run(client, key, q, []))["data"]["outputs"]["result"]) for q in QUERIES
        }
        assert expected[QUERIES[0]][0][0] == "Expenses are refunded within ten days."

        finished: list[str] = []
        queries = [QUERIES[i % 2] for i in range(RUNS)]
        runs = [asyncio.create_task(_run(client, key, q, finished)) for q in queries]
        deadline = time.monotonic() + 120
        while len(finished) < 3 and time.monotonic() < deadline:
            await asyncio.sleep(0.005)
        platform.services["rag"].kill()  # SIGKILL: tasks taken but not acked are redelivered
        finished_at_kill = len(finished)
        assert 0 < finished_at_kill < RUNS, "the kill must land in the middle of the batch"
        platform.start("rag")
        results = await asyncio.wait_for(asyncio.gather(*runs), timeout=300)

    run_ids = [body["workflow_run_id"] for body in results]
    assert len(set(run_ids)) == RUNS  # none lost, none merged
    for query, body in zip(queries, results, strict=True):
        assert body["data"]["status"] == "succeeded", body
        assert _essence(body["data"]["outputs"]["result"]) == expected[query]

    records = await audit_runs(platform.env["NATS_URL"], run_ids)
    for record in records.values():
        # One retrieval result per run, for attempt 1: a redelivered task was answered once.
        assert [(r.node_id, r.attempt, r.status) for r in record.results] == [("kr", 1, "succeeded")]
        finished_nodes = [e.data["node_id"] for e in record.events if e.event == "node_finished"]
        assert finished_nodes == ["start", "kr", "end"]
