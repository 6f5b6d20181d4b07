"""Node tasks of the rag service against FastStream's in-memory broker: knowledge retrieval with citations."""

from __future__ import annotations

import time

from faststream.nats import JStream, NatsMessage, TestNatsBroker
from riverflow.contracts import subjects
from riverflow.contracts.events.v1 import NodeTaskRequested, NodeTaskResult, parse_inbox_event
from riverflow.rag.datasets import DatasetService
from riverflow.rag.documents import DocumentService
from riverflow.rag.handlers import make_router
from riverflow.rag.retrieval import DatasetRetriever
from riverflow.runtime.broker import make_broker
from riverflow.runtime.settings import NatsSettings

from .conftest import Rag


def _task(node_type: str, data: dict, inputs: dict, workspace: str = "ws") -> NodeTaskRequested:
    return NodeTaskRequested(
        run_id="run-1",
        node_id="kr",
        node_type=node_type,
        attempt=2,
        idempotency_key="run-1:kr:2",
        data=data,
        inputs=inputs,
        at=time.time(),
        workspace_id=workspace,
    )


async def _run(rag: Rag, task: NodeTaskRequested) -> tuple[NodeTaskResult, dict[str, str]]:
    broker = make_broker(NatsSettings(), service_name="rag-test")
    broker.include_router(make_router(NatsSettings(), DatasetRetriever(rag.components), rag.pipeline))
    received: list[tuple[NodeTaskResult, dict[str, str]]] = []

    @broker.subscriber(subjects.run_inbox("*"), stream=JStream(subjects.RUN_INBOX_STREAM, declare=False))
    async def inbox(body: dict, msg: NatsMessage) -> None:
        event = parse_inbox_event(msg.body)  # the inbox union: proves the result is routable by `kind`
        assert isinstance(event, NodeTaskResult)
        received.append((event, msg.headers))

    async with TestNatsBroker(broker) as test_broker:
        await test_broker.publish(
            task, subjects.node_task("rag", task.node_type), stream=subjects.NODE_TASKS_STREAM
        )
    assert len(received) == 1
    return received[0]


async def _seed(rag: Rag) -> tuple[str, str]:
    datasets, documents = DatasetService(rag.components), DocumentService(rag.components)
    ids = []
    for name, text in (
        ("space", "Saturn has rings of ice.\nMars is red."),
        ("sea", "Krill feed whales.\nTides follow the moon."),
    ):
        ds = await datasets.create(
            "ws", "u", {"name": name, "retrieval_model": {"search_method": "hybrid_search"}}
        )
        await documents.create(
            "ws",
            "u",
            ds.row.id,
            name=f"{name}.txt",
            content=text.encode(),
            filename=f"{name}.txt",
            mime_type="text/plain",
            settings={"indexing_technique": "high_quality"},
            from_text=True,
        )
        ids.append(ds.row.id)
    await rag.queue.drain()
    return ids[0], ids[1]


async def test_knowledge_retrieval_answers_with_citable_results(rag: Rag) -> None:
    space, sea = await _seed(rag)
    data = {
        "dataset_ids": [space, sea, "gone"],
        "retrieval_mode": "multiple",
        "multiple_retrieval_config": {"top_k": 2, "reranking_enable": False},
        "query_variable_selector": ["sys", "query"],
    }
    result, headers = await _run(rag, _task("knowledge-retrieval", data, {"query": "rings of Saturn"}))
    assert (result.status, result.event_id, result.attempt, headers["Nats-Msg-Id"]) == (
        "succeeded",
        "run-1:kr:2",
        2,
        "run-1:kr:2",
    )
    top = result.outputs["result"][0]
    assert top["content"] == "Saturn has rings of ice." and top["title"] == "space.txt"
    meta = top["metadata"]
    assert (
        meta["_source"],
        meta["dataset_id"],
        meta["dataset_name"],
        meta["document_name"],
        meta["position"],
    ) == ("knowledge", space, "space", "space.txt", 1)
    assert (
        meta["segment_id"]
        and meta["document_id"]
        and 0 < meta["score"] <= 1
        and meta["retriever_from"] == "workflow"
    )
    assert len(result.outputs["result"]) == 2
    assert result.process_data["dataset_ids"] == [space, sea]  # the unknown dataset was skipped, as in Dify


async def test_query_from_the_variable_selector_and_metadata_filtering(rag: Rag) -> None:
    space, sea = await _seed(rag)
    data = {
        "dataset_ids": [space, sea],
        "query_variable_selector": ["start", "q"],
        "multiple_retrieval_config": {"top_k": 4},
        "metadata_filtering_mode": "manual",
        "metadata_filtering_conditions": {
            "logical_operator": "and",
            "conditions": [{"name": "document_name", "comparison_operator": "is", "value": "sea.txt"}],
        },
    }
    result, _ = await _run(rag, _task("knowledge-retrieval", data, {"start.q": "moon tides"}))
    assert result.status == "succeeded"
    assert {r["title"] for r in result.outputs["result"]} == {"sea.txt"}


async def test_other_workspaces_datasets_are_invisible(rag: Rag) -> None:
    space, _ = await _seed(rag)
    data = {"dataset_ids": [space], "multiple_retrieval_config": {"top_k": 2}}
    result, _ = await _run(rag, _task("knowledge-retrieval", data, {"query": "Saturn"}, workspace="intruder"))
    assert result.status == "succeeded" and result.outputs["result"] == []


async def test_v2_fails_closed_and_bad_input_fails_cleanly(rag: Rag) -> None:
    space, _ = await _seed(rag)
    result, _ = await _run(
        rag,
        _task(
            "knowledge-retrieval-v2",
            {"control_space_ids": [space, "missing"], "top_n": 1},
            {"query": "Saturn"},
        ),
    )
    assert (result.status, result.error_type) == ("failed", "not_found")
    ok, _ = await _run(
        rag,
        _task(
            "knowledge-retrieval-v2", {"control_space_ids": [f" {space} "], "top_n": 1}, {"query": "Saturn"}
        ),
    )
    assert (
        ok.status == "succeeded" and len(ok.outputs["result"]) == 1 and ok.outputs["metrics"]["returned"] == 1
    )
    missing, _ = await _run(rag, _task("knowledge-retrieval", {"dataset_ids": [space]}, {}))
    assert (missing.status, missing.error_type) == ("failed", "invalid_param")
    other, _ = await _run(rag, _task("llm", {}, {"query": "x"}))
    assert (other.status, other.error_type) == ("failed", "UnsupportedNodeError")
