"""The Knowledge and Retrieval gRPC API in process: segments, parent-child chunks, filters, re-indexing."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.struct_pb2 import Struct
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc, retrieval_pb2, retrieval_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as r

from .conftest import Rag
from .knowledge_calls import WS, new_dataset, rpc_error


async def test_segments_crud_follows_into_the_index(channel: grpc.aio.Channel, rag: Rag) -> None:
    stub, retrieval = knowledge_pb2_grpc.KnowledgeStub(channel), retrieval_pb2_grpc.RetrievalStub(channel)
    ds = await new_dataset(stub)
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
        await rpc_error(
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
    ds = await new_dataset(stub)
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
    ds = await new_dataset(stub)
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
        await rpc_error(
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
        await rpc_error(
            retrieval.Retrieve(
                retrieval_pb2.RetrieveRequest(
                    workspace_id=WS, dataset_ids=[ds.id], query="q", retrieval_model=bad
                )
            )
        )
    )[1:] == ("invalid_param", 400)


async def test_changing_the_embedding_model_reindexes(channel: grpc.aio.Channel, rag: Rag) -> None:
    stub, retrieval = knowledge_pb2_grpc.KnowledgeStub(channel), retrieval_pb2_grpc.RetrievalStub(channel)
    ds = await new_dataset(stub)
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
        await rpc_error(
            stub.UpdateDataset(
                k.UpdateDatasetRequest(
                    workspace_id=WS, dataset_id=ds.id, update_mask=["embedding_model"], embedding_model="nope"
                )
            )
        )
    )[1:] == ("invalid_param", 400)
