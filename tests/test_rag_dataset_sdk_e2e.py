"""Issue 5's "done when", end to end: a dataset made through Dify's knowledge API with the real
``dify-dataset-sdk`` client, fed a PDF, a DOCX and a Markdown file, indexed asynchronously by the
rag process (JetStream, all-MiniLM-L6-v2, sqlite-vec + FTS5), and searched in all four modes.

Real processes: nats-server, gateway (knowledge API over gRPC), rag.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from dify_dataset_sdk import DifyDatasetClient
from dify_dataset_sdk.datasets.models import RetrievalModel

from tests.platform import Platform
from tests.rag_platform import DOCUMENTS, dataset_key, rag_platform, wait_until, write_documents

pytestmark = [pytest.mark.integration, pytest.mark.timeout(900)]

STATES = ["waiting", "parsing", "cleaning", "splitting", "indexing", "completed"]  # Dify's order
#: A distinctive query per chunk: (query, file, line) — the line must rank first in every mode.
QUERIES = [
    ("basalt lava from shield volcanoes", "volcanoes.pdf", 0),
    ("waggle dance of honeybees", "bees.docx", 0),
    ("queen bee eggs", "bees.docx", 1),
    ("spring tides at new and full moon", "tides.md", 1),
]
MODES = ["semantic_search", "full_text_search", "hybrid_search", "keyword_search"]


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Platform]:
    with rag_platform(tmp_path_factory.mktemp("rag-sdk")) as running:
        yield running


def test_files_ingest_to_completed_and_every_mode_finds_the_right_chunk(platform: Platform, tmp_path) -> None:
    client = DifyDatasetClient(api_key=dataset_key(platform), base_url=platform.base_url, timeout=120)
    dataset = client.datasets.create(name="field-notes", indexing_technique="high_quality")
    batches = {}
    for name, path in write_documents(tmp_path).items():
        created = client.documents.create_by_file(dataset.id, file_path=path)
        assert created.document.name == name and created.batch
        batches[name] = (created.batch, created.document.id)

    seen: dict[str, list[str]] = {name: [] for name in batches}

    def all_completed() -> bool:
        done = True
        for name, (batch, document_id) in batches.items():
            (status,) = client.documents.get_indexing_status(dataset.id, batch).data
            assert status.id == document_id
            assert status.indexing_status in STATES, (name, status)
            if not seen[name] or seen[name][-1] != status.indexing_status:
                seen[name].append(status.indexing_status)
            if status.indexing_status == "completed":
                assert status.total_segments == status.completed_segments == len(DOCUMENTS[name])
                assert status.completed_at and status.processing_started_at
            else:
                done = False
                assert status.completed_segments <= status.total_segments
        return done

    wait_until(all_completed, 600, "all three files completed", platform.services["rag"].log)
    for name, states in seen.items():  # progress only moves forward
        assert states == sorted(states, key=STATES.index), (name, states)

    documents = {d["name"]: d for d in client.documents.list(dataset.id).data}
    assert set(documents) == set(DOCUMENTS)
    for name, lines in DOCUMENTS.items():
        segments = client.segments.list(dataset.id, documents[name]["id"]).data
        assert [s.content for s in sorted(segments, key=lambda s: s.position)] == lines, name

    for mode in MODES:
        for query, name, line in QUERIES:
            hits = client.datasets.retrieve(
                dataset.id,
                query,
                retrieval_model=RetrievalModel(
                    search_method=mode, reranking_enable=False, top_k=3, score_threshold_enabled=False
                ),
            )
            assert hits.records, (mode, query)
            top = hits.records[0]
            assert top.segment.content == DOCUMENTS[name][line], (mode, query, hits.records)
            assert top.segment.document_id == documents[name]["id"]
            assert top.segment.document is not None and top.segment.document.name == name
            assert top.score is not None and 0 < top.score <= 1
            assert [r.score for r in hits.records] == sorted((r.score for r in hits.records), reverse=True)
