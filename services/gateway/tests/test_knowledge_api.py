"""The Knowledge API (dataset keys) end to end, against every ``KnowledgeBackend``: the in-memory
reference and the rag service over gRPC (a real ``python -m riverflow.rag`` process)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest
from riverflow.gateway.adapters.grpc_knowledge import GrpcKnowledge
from riverflow.runtime.nats_server import free_port

TEXT = (
    "Rivers carry water to the sea.\n\nMountains hold snow in winter.\n\n"
    "The delta is where a river meets the sea."
)


@pytest.fixture(params=["memory", pytest.param("grpc", marks=pytest.mark.integration)])
def knowledge_backend(request, tmp_path):
    if request.param == "memory":
        yield None
        return
    port = free_port()
    env = {
        **os.environ,
        "NATS_URL": request.getfixturevalue("nats_url"),
        "RAG_GRPC_PORT": str(port),
        "RAG_HEALTH_PORT": "0",
        "RAG_VECTOR_STORE": "memory",
        "RAG_EMBEDDING_MODEL": "hashing-256",
        "RAG_DATA_DIR": str(tmp_path / "rag"),
        "PYTHONUNBUFFERED": "1",
    }
    log = open(tmp_path / "rag.log", "wb")  # noqa: SIM115 - owned by the child
    proc = subprocess.Popen([sys.executable, "-m", "riverflow.rag"], env=env, stdout=log, stderr=log)
    try:
        yield GrpcKnowledge(f"127.0.0.1:{port}")
    finally:
        proc.terminate()
        proc.wait(15)
        print(Path(tmp_path / "rag.log").read_text(errors="replace")[-3000:])


@pytest.fixture
def database() -> str:
    return "sqlite"  # the backend varies here; the gateway's database does not matter to it


async def _ready(gateway, key: str) -> None:
    for _ in range(200):
        response = await gateway.client.get("/v1/datasets", headers=gateway.auth(key))
        if response.status_code == 200:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"knowledge backend never answered: {response.text}")


async def _indexed(gateway, key: str, dataset_id: str, batch: str) -> dict:
    for _ in range(300):
        status = await gateway.client.get(
            f"/v1/datasets/{dataset_id}/documents/{batch}/indexing-status", headers=gateway.auth(key)
        )
        assert status.status_code == 200, status.text
        (item,) = status.json()["data"]
        if item["indexing_status"] in ("completed", "error"):
            return item
        await asyncio.sleep(0.1)
    raise AssertionError("indexing never finished")


async def test_knowledge_api_end_to_end(gateway) -> None:
    key = await gateway.dataset_key()
    headers = gateway.auth(key)
    await _ready(gateway, key)
    made = await gateway.client.post(
        "/v1/datasets", json={"name": "rivers", "description": "d"}, headers=headers
    )
    assert made.status_code == 200, made.text
    dataset = made.json()
    for field in (
        "id",
        "name",
        "permission",
        "app_count",
        "document_count",
        "word_count",
        "created_by",
        "created_at",
        "updated_by",
        "updated_at",
    ):
        assert field in dataset, field
    dataset_id = dataset["id"]
    duplicate = await gateway.client.post("/v1/datasets", json={"name": "rivers"}, headers=headers)
    assert duplicate.status_code == 409 and duplicate.json()["code"] == "dataset_name_duplicate"
    assert (await gateway.client.post("/v1/datasets", json={"name": ""}, headers=headers)).status_code == 400
    created = await gateway.client.post(
        f"/v1/datasets/{dataset_id}/document/create_by_text",  # the official SDK's spelling
        json={"name": "geo", "text": TEXT, "indexing_technique": "high_quality"},
        headers=headers,
    )
    assert created.status_code == 200, created.text
    document, batch = created.json()["document"], created.json()["batch"]
    assert (await _indexed(gateway, key, dataset_id, batch))["indexing_status"] == "completed"
    by_file = await gateway.client.post(
        f"/v1/datasets/{dataset_id}/document/create-by-file",
        files={"file": ("notes.txt", b"Glaciers are slow rivers of ice.")},
        data={"data": '{"indexing_technique": "high_quality"}'},
        headers=headers,
    )
    assert by_file.status_code == 200, by_file.text
    await _indexed(gateway, key, dataset_id, by_file.json()["batch"])
    documents = (await gateway.client.get(f"/v1/datasets/{dataset_id}/documents", headers=headers)).json()
    assert documents["total"] == 2 and {d["name"] for d in documents["data"]} == {"geo", "notes.txt"}
    segments_path = f"/v1/datasets/{dataset_id}/documents/{document['id']}/segments"
    segments = (await gateway.client.get(segments_path, headers=headers)).json()
    assert segments["total"] >= 1 and segments["doc_form"]
    added = await gateway.client.post(
        segments_path,
        json={"segments": [{"content": "Estuaries mix salt and fresh water."}]},
        headers=headers,
    )
    assert added.status_code == 200, added.text
    segment_id = added.json()["data"][0]["id"]
    changed = await gateway.client.post(
        f"{segments_path}/{segment_id}",
        json={"segment": {"content": "Estuaries mix sea and river water."}},
        headers=headers,
    )
    assert (
        changed.status_code == 200
        and changed.json()["data"]["content"] == "Estuaries mix sea and river water."
    )
    for path in (f"/v1/datasets/{dataset_id}/retrieve", f"/v1/datasets/{dataset_id}/hit-testing"):
        retrieved = None
        for _ in range(100):  # an updated chunk is re-embedded asynchronously by some backends
            retrieved = await gateway.client.post(
                path, json={"query": "where does a river meet the sea"}, headers=headers
            )
            assert retrieved.status_code == 200, retrieved.text
            if retrieved.json()["records"]:
                break
            await asyncio.sleep(0.1)
        body = retrieved.json()
        assert body["query"] == {"content": "where does a river meet the sea"}
        assert body["records"] and all({"id", "document_id"} <= set(r["segment"]) for r in body["records"])
    assert (await gateway.client.delete(f"{segments_path}/{segment_id}", headers=headers)).status_code == 204
    assert (await gateway.client.delete(f"{segments_path}/{segment_id}", headers=headers)).status_code == 404
    patched = await gateway.client.patch(
        f"/v1/datasets/{dataset_id}", json={"description": "new"}, headers=headers
    )
    assert patched.status_code == 200 and patched.json()["description"] == "new"
    assert (
        await gateway.client.delete(f"/v1/datasets/{dataset_id}/documents/{document['id']}", headers=headers)
    ).status_code == 204
    assert (await gateway.client.delete(f"/v1/datasets/{dataset_id}", headers=headers)).status_code == 204
    missing = await gateway.client.get(f"/v1/datasets/{dataset_id}", headers=headers)
    assert missing.status_code == 404 and missing.json()["message"] == "Dataset not found."
