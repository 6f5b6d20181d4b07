"""A chatflow (start → knowledge-retrieval → llm with the result as context → answer) answers with
citations: the model sees the retrieved chunk, and ``message_end.metadata.retriever_resources`` names
the segment, document, dataset and score as Dify does.

Real processes: nats-server, gateway, orchestrator, rag and agent; the model is the shipped mock
(it echoes the user turn, so the answer shows the context the LLM node was given).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import yaml
from dify_dataset_sdk import DifyDatasetClient
from riverflow.mockllm import MockConfig, MockServer

from tests.conftest import sse_events
from tests.platform import Platform
from tests.rag_platform import DOCUMENTS, dataset_key, rag_platform, wait_until, write_documents

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

QUESTION = "When do spring tides happen?"
CITED = DOCUMENTS["tides.md"][1]


def _node(node_id: str, data: dict) -> dict:
    return {"id": node_id, "type": "custom", "data": {"desc": "", "title": node_id, **data}}


def _edge(source: str, target: str) -> dict:
    return {
        "id": f"{source}-{target}",
        "source": source,
        "target": target,
        "sourceHandle": "source",
        "targetHandle": "target",
        "type": "custom",
        "data": {},
    }


def _chatflow(dataset_id: str) -> dict:
    nodes = [
        _node("start", {"type": "start", "variables": []}),
        _node(
            "kr",
            {
                "type": "knowledge-retrieval",
                "query_variable_selector": ["sys", "query"],
                "dataset_ids": [dataset_id],
                "retrieval_mode": "multiple",
                "multiple_retrieval_config": {"top_k": 1, "reranking_enable": False},
            },
        ),
        _node(
            "llm",
            {
                "type": "llm",
                "model": {"provider": "", "name": "", "mode": "chat", "completion_params": {}},
                "context": {"enabled": True, "variable_selector": ["kr", "result"]},
                "prompt_template": [
                    {"role": "system", "text": "Answer from the context only."},
                    {"role": "user", "text": "Context: {{#context#}}\nQuestion: {{#sys.query#}}"},
                ],
                "vision": {"enabled": False},
            },
        ),
        _node("answer", {"type": "answer", "answer": "{{#llm.text#}}", "variables": []}),
    ]
    return {
        "app": {"mode": "advanced-chat", "name": "tide-desk", "description": "", "icon": "🌊"},
        "kind": "app",
        "version": "0.3.1",
        "dependencies": [],
        "workflow": {
            "conversation_variables": [],
            "environment_variables": [],
            "features": {"retriever_resource": {"enabled": True}},
            "graph": {
                "nodes": nodes,
                "edges": [_edge("start", "kr"), _edge("kr", "llm"), _edge("llm", "answer")],
            },
        },
    }


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    work = tmp_path_factory.mktemp("rag-chatflow")
    with (
        MockServer(MockConfig()) as mock,
        rag_platform(
            work,
            "orchestrator",
            "agent",
            RAG_EMBEDDING_MODEL="hashing-256",
            AGENT_DEFAULT_MODEL_BASE_URL=mock.base_url,
            AGENT_HEALTH_PORT="0",
        ) as running,
    ):
        yield running


def _dataset(platform: Platform, tmp_path: Path) -> tuple[str, dict[str, str]]:
    client = DifyDatasetClient(api_key=dataset_key(platform), base_url=platform.base_url, timeout=120)
    dataset = client.datasets.create(name="tides", indexing_technique="high_quality")
    path = write_documents(tmp_path)["tides.md"]
    created = client.documents.create_by_file(dataset.id, file_path=path)

    def completed() -> bool:
        (status,) = client.documents.get_indexing_status(dataset.id, created.batch).data
        return status.indexing_status == "completed"

    wait_until(completed, 600, "tides.md completed", platform.services["rag"].log)
    segments = client.segments.list(dataset.id, created.document.id).data
    return dataset.id, {"document_id": created.document.id, **{s.content: s.id for s in segments}}


def test_a_chatflow_answers_with_the_retrieved_chunk_and_cites_it(platform: Platform, tmp_path: Path) -> None:
    dataset_id, ids = _dataset(platform, tmp_path)
    dsl = tmp_path / "tide-desk.yml"
    dsl.write_text(yaml.safe_dump(_chatflow(dataset_id), allow_unicode=True))
    key = platform.import_app(dsl)["api_key"]
    body = {"query": QUESTION, "inputs": {}, "user": "alice", "response_mode": "streaming"}
    with httpx.stream(
        "POST",
        f"{platform.base_url}/v1/chat-messages",
        json=body,
        headers={"Authorization": f"Bearer {key}"},
        timeout=300,
    ) as response:
        assert response.status_code == 200, response.read()
        events = list(sse_events(response.iter_lines()))
    names = [e["event"] for e in events]
    assert "error" not in names, events
    answer = "".join(e["answer"] for e in events if e["event"] == "message")
    assert CITED in answer and QUESTION in answer  # the model was given the chunk as context
    assert DOCUMENTS["tides.md"][0] not in answer  # top_k 1: only the right chunk
    (end,) = [e for e in events if e["event"] == "message_end"]
    (resource,) = end["metadata"]["retriever_resources"]
    assert resource["position"] == 1
    assert (resource["dataset_id"], resource["dataset_name"]) == (dataset_id, "tides")
    assert (resource["document_id"], resource["document_name"]) == (ids["document_id"], "tides.md")
    assert resource["segment_id"] == ids[CITED]
    assert resource["content"] == CITED
    assert 0 < resource["score"] <= 1

    # The citations are kept with the message (GET /v1/messages), as Dify keeps them.
    history = httpx.get(
        f"{platform.base_url}/v1/messages",
        params={"conversation_id": end["conversation_id"], "user": "alice"},
        headers={"Authorization": f"Bearer {key}"},
        timeout=60,
    )
    assert history.status_code == 200, history.text
    (message,) = history.json()["data"]
    assert message["answer"] == answer
    assert [r["segment_id"] for r in message["retriever_resources"]] == [ids[CITED]]
