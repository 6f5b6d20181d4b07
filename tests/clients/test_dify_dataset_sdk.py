"""dify-dataset-sdk 0.6.3 (strict pydantic models), unmodified, against a gateway process: the
Knowledge API with a dataset key, and its typed errors."""

from __future__ import annotations

import time

import pytest
from dify_dataset_sdk import DifyDatasetClient
from dify_dataset_sdk._exceptions import DifyAuthenticationError, DifyConflictError, DifyNotFoundError

pytestmark = pytest.mark.integration


def test_knowledge_api_with_the_dataset_sdk(live_gateway, tmp_path) -> None:
    client = DifyDatasetClient(api_key=live_gateway.dataset_key, base_url=live_gateway.base_url)
    dataset = client.datasets.create(
        name=f"sdk-{time.time_ns()}", description="rivers", indexing_technique="economy"
    )
    assert dataset.id and dataset.permission == "only_me" and isinstance(dataset.created_at, int)
    listed = client.datasets.list()
    assert dataset.id in [d["id"] for d in listed.data] and listed.page == 1  # a generic page of dicts
    assert client.datasets.get(dataset.id).name == dataset.name
    with pytest.raises(DifyConflictError):
        client.datasets.create(name=dataset.name)
    created = client.documents.create_by_text(
        dataset.id, name="geo", text="Rivers run to the sea.\n\nSnow melts in spring."
    )
    assert created.document.name == "geo" and created.batch
    status = client.documents.get_indexing_status(dataset.id, created.batch)
    assert status.data[0].indexing_status == "completed" and status.data[0].total_segments == 2
    path = tmp_path / "glacier.txt"
    path.write_text("Glaciers are rivers of ice.")
    by_file = client.documents.create_by_file(dataset.id, file_path=path)
    assert by_file.document.name == "glacier.txt"
    documents = client.documents.list(dataset.id)
    assert {d["name"] for d in documents.data} == {"geo", "glacier.txt"}
    segments = client.segments.create(
        dataset.id, created.document.id, [{"content": "Deltas form at river mouths."}]
    )
    segment = segments.data[0]
    assert segment.content == "Deltas form at river mouths."
    assert len(client.segments.list(dataset.id, created.document.id).data) == 3
    client.segments.update(
        dataset.id, created.document.id, segment.id, {"content": "Deltas form where rivers end."}
    )
    hits = client.datasets.retrieve(dataset.id, "where do rivers end")
    assert hits.query.content == "where do rivers end" and hits.records[0].segment.id == segment.id
    assert client.segments.delete(dataset.id, created.document.id, segment.id) == {"status": "success"}
    assert client.documents.delete(dataset.id, by_file.document.id) == {"status": "success"}
    assert client.datasets.delete(dataset.id) == {"status": "success"}
    with pytest.raises(DifyNotFoundError):
        client.datasets.get(dataset.id)


def test_app_keys_do_not_open_the_knowledge_api(live_gateway) -> None:
    with pytest.raises(DifyAuthenticationError):
        DifyDatasetClient(
            api_key=live_gateway.keys["chatflow"], base_url=live_gateway.base_url
        ).datasets.list()
