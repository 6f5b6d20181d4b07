"""A workflow with a knowledge-retrieval node through real gateway + orchestrator + rag processes.

The dataset is created and filled over the rag service's gRPC API (as the gateway's knowledge API
does); the run goes through Dify's ``/v1/workflows/run``, and the node's ``result`` carries the
retrieved chunk with the ids a chatflow cites.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from pathlib import Path

import grpc
import httpx
import pytest
import yaml
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc
from riverflow.runtime.nats_server import NatsServerProcess, free_port

from tests.platform import Platform

pytestmark = pytest.mark.integration


def _dsl(dataset_id: str) -> dict:
    def node(node_id: str, data: dict) -> dict:
        return {"id": node_id, "type": "custom", "data": {"desc": "", "title": node_id, **data}}

    def edge(source: str, target: str) -> dict:
        return {
            "id": f"{source}-{target}",
            "source": source,
            "target": target,
            "sourceHandle": "source",
            "targetHandle": "target",
            "type": "custom",
            "data": {},
        }

    return {
        "app": {"mode": "workflow", "name": "kb-lookup", "description": "", "icon": "🤖"},
        "kind": "app",
        "version": "0.3.1",
        "dependencies": [],
        "workflow": {
            "conversation_variables": [],
            "environment_variables": [],
            "features": {},
            "graph": {
                "nodes": [
                    node(
                        "start",
                        {
                            "type": "start",
                            "variables": [
                                {
                                    "variable": "query",
                                    "label": "query",
                                    "type": "text-input",
                                    "required": True,
                                }
                            ],
                        },
                    ),
                    node(
                        "kr",
                        {
                            "type": "knowledge-retrieval",
                            "query_variable_selector": ["start", "query"],
                            "dataset_ids": [dataset_id],
                            "retrieval_mode": "multiple",
                            "multiple_retrieval_config": {"top_k": 2, "reranking_enable": False},
                        },
                    ),
                    node(
                        "end",
                        {
                            "type": "end",
                            "outputs": [
                                {
                                    "variable": "result",
                                    "value_selector": ["kr", "result"],
                                    "value_type": "array[object]",
                                }
                            ],
                        },
                    ),
                ],
                "edges": [edge("start", "kr"), edge("kr", "end")],
            },
        },
    }


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Platform, int]]:
    work = tmp_path_factory.mktemp("rag-platform")
    nats = NatsServerProcess(work / "nats", log_file=work / "nats.log").start()
    grpc_port = free_port()
    env = {
        "RAG_HOST": "127.0.0.1",
        "RAG_GRPC_PORT": str(grpc_port),
        "RAG_HEALTH_PORT": "0",
        "RAG_DATA_DIR": str(work / "rag"),
        "RAG_EMBEDDING_MODEL": "hashing-256",
    }
    running = Platform(nats.url, work, extra_env=env)
    try:
        running.start("gateway")
        running.wait_for_gateway(timeout=120)
        running.start("orchestrator")
        running.start("rag")
        yield running, grpc_port
    finally:
        running.stop_all()
        nats.stop()


async def _fill(grpc_port: int, workspace_id: str) -> str:
    deadline = time.monotonic() + 120
    async with grpc.aio.insecure_channel(f"127.0.0.1:{grpc_port}") as channel:
        await asyncio.wait_for(channel.channel_ready(), timeout=120)
        stub = knowledge_pb2_grpc.KnowledgeStub(channel)
        ds = await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=workspace_id, name="handbook"))
        created = await stub.CreateDocumentByText(
            k.CreateDocumentByTextRequest(
                workspace_id=workspace_id,
                dataset_id=ds.id,
                name="handbook.md",
                text="Vacation requests go to your manager.\nExpenses are refunded within ten days.",
                settings=k.DocumentSettings(indexing_technique="high_quality"),
            )
        )
        while True:
            status = await stub.GetIndexingStatus(
                k.GetIndexingStatusRequest(workspace_id=workspace_id, dataset_id=ds.id, batch=created.batch)
            )
            if status.data[0].indexing_status == "completed":
                return ds.id
            assert time.monotonic() < deadline, status
            await asyncio.sleep(0.2)


def test_a_workflow_retrieves_from_a_dataset_with_citations(
    platform: tuple[Platform, int], tmp_path: Path
) -> None:
    running, grpc_port = platform
    # The dataset belongs to the app's workspace (another workspace's datasets are invisible to its runs).
    profile = httpx.get(
        f"{running.base_url}/console/api/account/profile",
        headers={"Authorization": f"Bearer {Platform.CONSOLE_TOKEN}"},
        timeout=30,
    )
    assert profile.status_code == 200, profile.text
    dataset_id = asyncio.run(_fill(grpc_port, profile.json()["workspace_id"]))
    dsl = tmp_path / "kb.yml"
    dsl.write_text(yaml.safe_dump(_dsl(dataset_id), allow_unicode=True))
    key = running.import_app(dsl)["api_key"]
    response = httpx.post(
        f"{running.base_url}/v1/workflows/run",
        headers={"Authorization": f"Bearer {key}"},
        json={
            "inputs": {"query": "when are expenses refunded"},
            "response_mode": "blocking",
            "user": "alice",
        },
        timeout=120,
    )
    assert response.status_code == 200, response.text
    data = response.json()["data"]
    assert data["status"] == "succeeded", data
    top = data["outputs"]["result"][0]
    assert top["content"] == "Expenses are refunded within ten days."
    assert top["title"] == "handbook.md"
    meta = top["metadata"]
    assert (meta["dataset_id"], meta["dataset_name"], meta["document_name"]) == (
        dataset_id,
        "handbook",
        "handbook.md",
    )
    assert meta["segment_id"] and meta["document_id"] and meta["score"] > 0
