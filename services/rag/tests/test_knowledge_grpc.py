"""The Knowledge and Retrieval gRPC API end to end, in process: datasets, documents, segments, retrieval."""

from __future__ import annotations

import io

import docx
import grpc
import pytest
from fpdf import FPDF
from google.protobuf.struct_pb2 import Struct
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc, retrieval_pb2, retrieval_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as r

from .conftest import Rag

WS = "ws-1"


def pdf_bytes(paragraphs: list[str]) -> bytes:
    pdf = FPDF()
    pdf.add_page()
    pdf.set_font("Helvetica", size=12)
    for p in paragraphs:
        pdf.multi_cell(0, 8, p)
        pdf.ln(4)
    return bytes(pdf.output())


def docx_bytes(paragraphs: list[str]) -> bytes:
    document = docx.Document()
    document.add_heading("Field notes", level=1)
    for p in paragraphs:
        document.add_paragraph(p)
    table = document.add_table(rows=1, cols=2)
    table.rows[0].cells[0].text, table.rows[0].cells[1].text = "glacier", "retreating"
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


async def _error(call) -> tuple[grpc.StatusCode, str, int]:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    trailers = dict(list(info.value.trailing_metadata() or ()))
    return info.value.code(), trailers.get("rf-error-code", ""), int(trailers.get("rf-http-status", "0"))


async def _dataset(stub: knowledge_pb2_grpc.KnowledgeStub, name: str = "notes", **extra) -> r.Dataset:
    return await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, user="alice", name=name, **extra))


async def test_dataset_crud_and_errors(channel: grpc.aio.Channel) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await _dataset(stub, description="d", indexing_technique="high_quality")
    assert (ds.name, ds.permission, ds.document_count, ds.embedding_model) == (
        "notes",
        "only_me",
        0,
        "hashing-256",
    )
    assert ds.retrieval_model_dict.search_method == "semantic_search" and ds.created_at > 0
    assert await _error(stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="notes"))) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "dataset_name_duplicate",
        409,
    )
    assert (await _error(stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="x" * 41))))[1:] == (
        "invalid_param",
        400,
    )
    # Another workspace sees nothing of ours, and may reuse the name.
    assert await _error(stub.GetDataset(k.GetDatasetRequest(workspace_id="ws-2", dataset_id=ds.id))) == (
        grpc.StatusCode.NOT_FOUND,
        "not_found",
        404,
    )
    await stub.CreateDataset(k.CreateDatasetRequest(workspace_id="ws-2", name="notes"))
    for i in range(3):
        await _dataset(stub, f"extra-{i}")
    page = await stub.ListDatasets(k.ListDatasetsRequest(workspace_id=WS, page=1, limit=2))
    assert (len(page.data), page.total, page.has_more, page.limit, page.page) == (2, 4, True, 2, 1)
    assert (await stub.ListDatasets(k.ListDatasetsRequest(workspace_id=WS, keyword="extra-1"))).total == 1
    updated = await stub.UpdateDataset(
        k.UpdateDatasetRequest(
            workspace_id=WS, dataset_id=ds.id, update_mask=["name"], name="renamed", description="ignored"
        )
    )
    assert (updated.name, updated.description) == ("renamed", "d")
    await stub.DeleteDataset(k.DeleteDatasetRequest(workspace_id=WS, dataset_id=ds.id))
    assert (await _error(stub.GetDataset(k.GetDatasetRequest(workspace_id=WS, dataset_id=ds.id))))[
        0
    ] == grpc.StatusCode.NOT_FOUND


async def test_files_ingest_to_completed_and_every_mode_finds_the_right_chunk(
    channel: grpc.aio.Channel, rag: Rag
) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await _dataset(stub)
    settings = k.DocumentSettings(indexing_technique="high_quality")
    files = {
        "volcano.pdf": pdf_bytes(
            [
                "Basalt lava flows from shield volcanoes in Hawaii.",
                "Pyroclastic clouds follow explosive eruptions.",
            ]
        ),
        "glacier.docx": docx_bytes(
            ["Alpine glaciers carve U-shaped valleys.", "Moraines mark the ice margin."]
        ),
        "reef.md": b"# Reefs\n\nCoral polyps build limestone reefs.\n\nBleaching follows heat.\n",
    }
    batches = {}
    for name, content in files.items():
        created = await stub.CreateDocumentByFile(
            k.CreateDocumentByFileRequest(
                workspace_id=WS,
                user="alice",
                dataset_id=ds.id,
                filename=name,
                content=content,
                settings=settings,
            )
        )
        assert created.document.indexing_status == "waiting" and created.document.display_status == "queuing"
        assert created.batch and created.document.data_source_info["name"] == name
        batches[name] = created.batch
    await rag.queue.drain()
    for name, batch in batches.items():
        [status] = (
            await stub.GetIndexingStatus(
                k.GetIndexingStatusRequest(workspace_id=WS, dataset_id=ds.id, batch=batch)
            )
        ).data
        assert status.indexing_status == "completed", (name, status.error)
        assert status.completed_segments == status.total_segments >= 2
        assert status.HasField("completed_at") and status.HasField("splitting_completed_at")
    # Progress went through every Dify status, in order, for each document.
    for doc_id in {e.document_id for e in rag.progress.events}:
        seen = [e.indexing_status for e in rag.progress.events if e.document_id == doc_id]
        assert [s for i, s in enumerate(seen) if i == 0 or seen[i - 1] != s] == [
            "parsing",
            "cleaning",
            "splitting",
            "indexing",
            "completed",
        ]

    retrieval = retrieval_pb2_grpc.RetrievalStub(channel)
    expectations = {
        "shield volcanoes lava": ("volcano.pdf", "Basalt lava"),
        "glaciers carve valleys": ("glacier.docx", "U-shaped"),
        "coral polyps limestone": ("reef.md", "Coral polyps"),
    }
    for method in ("semantic_search", "full_text_search", "hybrid_search", "keyword_search"):
        for query, (document, snippet) in expectations.items():
            response = await retrieval.Retrieve(
                retrieval_pb2.RetrieveRequest(
                    workspace_id=WS,
                    dataset_ids=[ds.id],
                    query=query,
                    retrieval_model=r.RetrievalModel(search_method=method, top_k=2),
                )
            )
            top = response.records[0]
            assert (top.document.name, method) == (document, method)
            assert snippet in top.content and snippet in top.segment.content
            assert top.segment.document_id == top.document_id and top.dataset_name == "notes"
            assert 0 < top.score <= 1.0 and top.metadata["score"] == pytest.approx(top.score, abs=1e-5)
            assert response.query == query
    listed = await stub.ListDocuments(k.ListDocumentsRequest(workspace_id=WS, dataset_id=ds.id))
    assert listed.total == 3 and {d.display_status for d in listed.data} == {"available"}
    dataset = await stub.GetDataset(k.GetDatasetRequest(workspace_id=WS, dataset_id=ds.id))
    assert (dataset.document_count, dataset.total_available_documents, dataset.doc_form) == (
        3,
        3,
        "text_model",
    )
    assert dataset.word_count > 0 and dataset.indexing_technique == "high_quality"


async def test_bad_uploads_change_nothing(channel: grpc.aio.Channel, rag: Rag) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await _dataset(stub)
    settings = k.DocumentSettings(indexing_technique="high_quality")
    assert await _error(
        stub.CreateDocumentByFile(
            k.CreateDocumentByFileRequest(
                workspace_id=WS, dataset_id=ds.id, filename="a.exe", content=b"MZ", settings=settings
            )
        )
    ) == (grpc.StatusCode.INVALID_ARGUMENT, "unsupported_file_type", 415)
    limits = rag.components.limits
    rag.components.limits = type(limits)(max_upload_bytes=10)
    assert (
        await _error(
            stub.CreateDocumentByFile(
                k.CreateDocumentByFileRequest(
                    workspace_id=WS, dataset_id=ds.id, filename="a.txt", content=b"x" * 11, settings=settings
                )
            )
        )
    )[1:] == ("file_too_large", 413)
    rag.components.limits = limits
    # The first document must say how to index.
    assert (
        await _error(
            stub.CreateDocumentByText(
                k.CreateDocumentByTextRequest(workspace_id=WS, dataset_id=ds.id, name="n", text="t")
            )
        )
    )[1:] == ("invalid_param", 400)
    bad_rule = k.DocumentSettings(
        indexing_technique="high_quality",
        process_rule=r.ProcessRule(
            mode="custom",
            rules=r.ProcessRules(segmentation=r.Segmentation(max_tokens=100, chunk_overlap=200)),
        ),
    )
    code, err, status = await _error(
        stub.CreateDocumentByText(
            k.CreateDocumentByTextRequest(
                workspace_id=WS, dataset_id=ds.id, name="n", text="t", settings=bad_rule
            )
        )
    )
    assert (err, status) == ("invalid_param", 400)
    assert (await stub.ListDocuments(k.ListDocumentsRequest(workspace_id=WS, dataset_id=ds.id))).total == 0
    # A corrupt PDF is accepted (it has the right type) but ends in error, with no chunks left behind.
    created = await stub.CreateDocumentByFile(
        k.CreateDocumentByFileRequest(
            workspace_id=WS,
            dataset_id=ds.id,
            filename="broken.pdf",
            content=b"%PDF-1.4 garbage",
            settings=settings,
        )
    )
    await rag.queue.drain()
    [status] = (
        await stub.GetIndexingStatus(
            k.GetIndexingStatusRequest(workspace_id=WS, dataset_id=ds.id, batch=created.batch)
        )
    ).data
    assert status.indexing_status == "error" and status.error and status.HasField("stopped_at")
    assert await rag.components.store.count(ds.id) == 0


async def test_segments_crud_follows_into_the_index(channel: grpc.aio.Channel, rag: Rag) -> None:
    stub, retrieval = knowledge_pb2_grpc.KnowledgeStub(channel), retrieval_pb2_grpc.RetrievalStub(channel)
    ds = await _dataset(stub)
    created = await stub.CreateDocumentByText(
        k.CreateDocumentByTextRequest(
            workspace_id=WS,
            user="alice",
            dataset_id=ds.id,
            name="animals",
            text="Otters hold hands.\nBats echolocate.",
            settings=k.DocumentSettings(indexing_technique="high_quality"),
        )
    )
    await rag.queue.drain()
    doc_id = created.document.id
    listed = await stub.ListSegments(
        k.ListSegmentsRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc_id)
    )
    assert [s.content for s in listed.data] == [
        "Otters hold hands.",
        "Bats echolocate.",
    ] and listed.total == 2
    assert listed.data[0].tokens > 0 and listed.data[0].keywords and listed.doc_form == "text_model"

    def find(query: str, method: str = "full_text_search"):
        return retrieval.Retrieve(
            retrieval_pb2.RetrieveRequest(
                workspace_id=WS,
                dataset_ids=[ds.id],
                query=query,
                retrieval_model=r.RetrievalModel(search_method=method),
            )
        )

    added = await stub.CreateSegments(
        k.CreateSegmentsRequest(
            workspace_id=WS,
            user="bob",
            dataset_id=ds.id,
            document_id=doc_id,
            segments=[k.NewSegment(content="Owls hunt at night.")],
        )
    )
    [owl] = added.data
    assert owl.position == 3 and owl.created_by == "bob"
    assert (await find("owls")).records[0].segment_id == owl.id
    edited = await stub.UpdateSegment(
        k.UpdateSegmentRequest(
            workspace_id=WS,
            dataset_id=ds.id,
            document_id=doc_id,
            segment_id=owl.id,
            content="Owls glide silently.",
        )
    )
    assert edited.data.content == "Owls glide silently."
    assert (await find("silently")).records[0].segment_id == owl.id
    assert list((await find("hunt")).records) == []
    await stub.UpdateSegment(
        k.UpdateSegmentRequest(
            workspace_id=WS, dataset_id=ds.id, document_id=doc_id, segment_id=owl.id, enabled=False
        )
    )
    assert list((await find("owls")).records) == []
    await stub.UpdateSegment(
        k.UpdateSegmentRequest(
            workspace_id=WS, dataset_id=ds.id, document_id=doc_id, segment_id=owl.id, enabled=True
        )
    )
    assert (await find("owls", "semantic_search")).records[0].segment_id == owl.id
    await stub.DeleteSegment(
        k.DeleteSegmentRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc_id, segment_id=owl.id)
    )
    assert list((await find("owls")).records) == []
    assert (
        await _error(
            stub.GetSegment(
                k.GetSegmentRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc_id, segment_id=owl.id)
            )
        )
    )[1:] == ("not_found", 404)
    await stub.DeleteDocument(k.DeleteDocumentRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc_id))
    assert await rag.components.store.count(ds.id) == 0
    assert list((await find("otters")).records) == []


async def test_hierarchical_documents_return_parents_with_matching_children(
    channel: grpc.aio.Channel, rag: Rag
) -> None:
    stub, retrieval = knowledge_pb2_grpc.KnowledgeStub(channel), retrieval_pb2_grpc.RetrievalStub(channel)
    ds = await _dataset(stub)
    rule = r.ProcessRule(
        mode="hierarchical",
        rules=r.ProcessRules(
            parent_mode="paragraph",
            segmentation=r.Segmentation(separator="\\n\\n", max_tokens=500),
            subchunk_segmentation=r.Segmentation(separator="\\n", max_tokens=50),
        ),
    )
    text = "Tides rise twice a day.\nThe moon pulls the ocean.\n\nDeserts are dry.\nCacti store water."
    await stub.CreateDocumentByText(
        k.CreateDocumentByTextRequest(
            workspace_id=WS,
            dataset_id=ds.id,
            name="nature",
            text=text,
            settings=k.DocumentSettings(
                indexing_technique="high_quality", doc_form="hierarchical_model", process_rule=rule
            ),
        )
    )
    await rag.queue.drain()
    response = await retrieval.Retrieve(
        retrieval_pb2.RetrieveRequest(
            workspace_id=WS,
            dataset_ids=[ds.id],
            query="cacti water",
            retrieval_model=r.RetrievalModel(search_method="full_text_search", top_k=1),
        )
    )
    [record] = response.records
    assert record.segment.content == "Deserts are dry.\nCacti store water."
    assert [c.content for c in record.child_chunks] == ["Cacti store water."]
    assert record.child_chunks[0].score == pytest.approx(record.score)
    assert (
        await stub.GetDataset(k.GetDatasetRequest(workspace_id=WS, dataset_id=ds.id))
    ).doc_form == "hierarchical_model"


async def test_metadata_filters_threshold_and_top_k(channel: grpc.aio.Channel, rag: Rag) -> None:
    stub, retrieval = knowledge_pb2_grpc.KnowledgeStub(channel), retrieval_pb2_grpc.RetrievalStub(channel)
    ds = await _dataset(stub)
    for name, year in (("old", 2001), ("new", 2024)):
        meta = Struct()
        meta.update({"year": year, "team": "ops"})
        await stub.CreateDocumentByText(
            k.CreateDocumentByTextRequest(
                workspace_id=WS,
                dataset_id=ds.id,
                name=name,
                text=f"Deploy runbook for release {year}.",
                settings=k.DocumentSettings(indexing_technique="high_quality", doc_metadata=meta),
            )
        )
    await rag.queue.drain()
    condition = r.MetadataCondition(name="year", comparison_operator=">")
    condition.value.number_value = 2010
    model = r.RetrievalModel(
        search_method="hybrid_search",
        top_k=5,
        metadata_filtering_conditions=r.MetadataFilteringConditions(
            logical_operator="and", conditions=[condition]
        ),
    )
    response = await retrieval.Retrieve(
        retrieval_pb2.RetrieveRequest(
            workspace_id=WS, dataset_ids=[ds.id], query="deploy runbook", retrieval_model=model
        )
    )
    assert [x.document.name for x in response.records] == ["new"]
    assert response.records[0].document.doc_metadata["year"] == 2024
    both = await retrieval.Retrieve(
        retrieval_pb2.RetrieveRequest(
            workspace_id=WS,
            dataset_ids=[ds.id],
            query="deploy runbook",
            retrieval_model=r.RetrievalModel(search_method="full_text_search", top_k=1),
        )
    )
    assert len(both.records) == 1
    strict = await retrieval.Retrieve(
        retrieval_pb2.RetrieveRequest(
            workspace_id=WS,
            dataset_ids=[ds.id],
            query="deploy runbook 2024",
            retrieval_model=r.RetrievalModel(
                search_method="full_text_search", top_k=5, score_threshold_enabled=True, score_threshold=0.99
            ),
        )
    )
    assert [x.document.name for x in strict.records] == ["new"]
    assert (
        await _error(
            retrieval.Retrieve(
                retrieval_pb2.RetrieveRequest(workspace_id=WS, dataset_ids=[ds.id], query="q" * 251)
            )
        )
    )[1:] == ("invalid_param", 400)
    bad = r.RetrievalModel(
        metadata_filtering_conditions=r.MetadataFilteringConditions(
            conditions=[r.MetadataCondition(name="year", comparison_operator="roughly")]
        )
    )
    assert (
        await _error(
            retrieval.Retrieve(
                retrieval_pb2.RetrieveRequest(
                    workspace_id=WS, dataset_ids=[ds.id], query="q", retrieval_model=bad
                )
            )
        )
    )[1:] == ("invalid_param", 400)


async def test_changing_the_embedding_model_reindexes(channel: grpc.aio.Channel, rag: Rag) -> None:
    stub, retrieval = knowledge_pb2_grpc.KnowledgeStub(channel), retrieval_pb2_grpc.RetrievalStub(channel)
    ds = await _dataset(stub)
    await stub.CreateDocumentByText(
        k.CreateDocumentByTextRequest(
            workspace_id=WS,
            dataset_id=ds.id,
            name="n",
            text="Quasars are bright.\nPulsars spin fast.",
            settings=k.DocumentSettings(indexing_technique="high_quality"),
        )
    )
    await rag.queue.drain()
    updated = await stub.UpdateDataset(
        k.UpdateDatasetRequest(
            workspace_id=WS, dataset_id=ds.id, update_mask=["embedding_model"], embedding_model="hashing-64"
        )
    )
    assert updated.embedding_model == "hashing-64"
    await rag.queue.drain()
    hits = await rag.components.store.vector_search(
        __import__("riverflow.rag.ports", fromlist=["SearchRequest"]).SearchRequest(
            (ds.id,), top_k=5, vector=[1.0] + [0.0] * 63
        )
    )
    assert len(hits) == 2  # both chunks now live at 64 dimensions
    response = await retrieval.Retrieve(
        retrieval_pb2.RetrieveRequest(workspace_id=WS, dataset_ids=[ds.id], query="pulsars spin")
    )
    assert response.records[0].content == "Pulsars spin fast."
    assert (
        await _error(
            stub.UpdateDataset(
                k.UpdateDatasetRequest(
                    workspace_id=WS, dataset_id=ds.id, update_mask=["embedding_model"], embedding_model="nope"
                )
            )
        )
    )[1:] == ("invalid_param", 400)


async def test_watch_streams_status_changes_until_the_batch_is_done(
    channel: grpc.aio.Channel, rag: Rag
) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await _dataset(stub)
    created = await stub.CreateDocumentByText(
        k.CreateDocumentByTextRequest(
            workspace_id=WS,
            dataset_id=ds.id,
            name="n",
            text="One.\nTwo.",
            settings=k.DocumentSettings(indexing_technique="high_quality"),
        )
    )
    updates = [
        update.data[0]
        async for update in stub.WatchIndexingStatus(
            k.GetIndexingStatusRequest(workspace_id=WS, dataset_id=ds.id, batch=created.batch)
        )
    ]
    # One message per change (never the same twice in a row), ending when the batch is done.
    assert all(a != b for a, b in zip(updates, updates[1:], strict=False))
    assert updates[-1].indexing_status == "completed" and updates[-1].completed_segments == 2
    with pytest.raises(grpc.aio.AioRpcError) as info:
        async for _ in stub.WatchIndexingStatus(
            k.GetIndexingStatusRequest(workspace_id=WS, dataset_id=ds.id, batch="x")
        ):
            pass
    assert info.value.code() == grpc.StatusCode.NOT_FOUND
