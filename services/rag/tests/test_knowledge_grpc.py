"""The Knowledge gRPC API end to end, in process: datasets, documents by text and file, status."""

from __future__ import annotations

import grpc
import pytest
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc, retrieval_pb2, retrieval_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as r

from .conftest import Rag
from .knowledge_calls import WS, docx_bytes, new_dataset, pdf_bytes, rpc_error


async def test_dataset_crud_and_errors(channel: grpc.aio.Channel) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await new_dataset(stub, description="d", indexing_technique="high_quality")
    assert (ds.name, ds.permission, ds.document_count, ds.embedding_model) == (
        "notes",
        "only_me",
        0,
        "hashing-256",
    )
    assert ds.retrieval_model_dict.search_method == "semantic_search" and ds.created_at > 0
    assert await rpc_error(stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="notes"))) == (
        grpc.StatusCode.ALREADY_EXISTS,
        "dataset_name_duplicate",
        409,
    )
    assert (await rpc_error(stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="x" * 41))))[
        1:
    ] == (
        "invalid_param",
        400,
    )
    # Another workspace sees nothing of ours, and may reuse the name.
    assert await rpc_error(stub.GetDataset(k.GetDatasetRequest(workspace_id="ws-2", dataset_id=ds.id))) == (
        grpc.StatusCode.NOT_FOUND,
        "not_found",
        404,
    )
    await stub.CreateDataset(k.CreateDatasetRequest(workspace_id="ws-2", name="notes"))
    for i in range(3):
        await new_dataset(stub, f"extra-{i}")
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
    assert (await rpc_error(stub.GetDataset(k.GetDatasetRequest(workspace_id=WS, dataset_id=ds.id))))[
        0
    ] == grpc.StatusCode.NOT_FOUND


async def test_files_ingest_to_completed_and_every_mode_finds_the_right_chunk(
    channel: grpc.aio.Channel, rag: Rag
) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await new_dataset(stub)
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
    ds = await new_dataset(stub)
    settings = k.DocumentSettings(indexing_technique="high_quality")
    assert await rpc_error(
        stub.CreateDocumentByFile(
            k.CreateDocumentByFileRequest(
                workspace_id=WS, dataset_id=ds.id, filename="a.exe", content=b"MZ", settings=settings
            )
        )
    ) == (grpc.StatusCode.INVALID_ARGUMENT, "unsupported_file_type", 415)
    limits = rag.components.limits
    rag.components.limits = type(limits)(max_upload_bytes=10)
    assert (
        await rpc_error(
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
        await rpc_error(
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
    code, err, status = await rpc_error(
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


async def test_watch_streams_status_changes_until_the_batch_is_done(
    channel: grpc.aio.Channel, rag: Rag
) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await new_dataset(stub)
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
