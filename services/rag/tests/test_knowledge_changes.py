"""Knowledge gRPC beyond the core: documents re-ingested in place, status actions, child chunks,
metadata fields and values (used by filters), tags; every one refuses other workspaces."""

from __future__ import annotations

import grpc
import pytest
from google.protobuf.struct_pb2 import Value
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2 as k
from riverflow.contracts.grpc.rag.v1 import knowledge_pb2_grpc, retrieval_pb2, retrieval_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import resources_pb2 as r

from .conftest import Rag

WS, OTHER = "ws-1", "ws-2"
FULL_TEXT = r.RetrievalModel(search_method="full_text_search", top_k=10)


async def _error(call) -> tuple[str, int]:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        await call
    trailers = dict(list(info.value.trailing_metadata() or ()))
    return trailers.get("rf-error-code", ""), int(trailers.get("rf-http-status", "0"))


async def _texts(channel, dataset_id: str, query: str, model: r.RetrievalModel = FULL_TEXT) -> list[str]:
    response = await retrieval_pb2_grpc.RetrievalStub(channel).Retrieve(
        retrieval_pb2.RetrieveRequest(
            workspace_id=WS, dataset_ids=[dataset_id], query=query, retrieval_model=model
        )
    )
    return [x.segment.content for x in response.records]


async def _document(stub, rag: Rag, dataset_id: str, name: str, text: str, **settings) -> r.Document:
    made = await stub.CreateDocumentByText(
        k.CreateDocumentByTextRequest(
            workspace_id=WS,
            dataset_id=dataset_id,
            name=name,
            text=text,
            settings=k.DocumentSettings(indexing_technique="high_quality", **settings),
        )
    )
    await rag.queue.drain()
    return made.document


async def test_update_by_text_and_file_reingest_in_place(channel: grpc.aio.Channel, rag: Rag) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="docs"))
    doc = await _document(stub, rag, ds.id, "geo", "Rivers carry silt.\n\nLakes hold water.")
    first_batch = (
        await stub.GetDocument(k.GetDocumentRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc.id))
    ).batch
    updated = await stub.UpdateDocumentByText(
        k.UpdateDocumentByTextRequest(
            workspace_id=WS, dataset_id=ds.id, document_id=doc.id, name="geo2", text="Glaciers carve valleys."
        )
    )
    assert updated.document.id == doc.id and updated.batch != first_batch
    assert updated.document.indexing_status == "waiting" and updated.document.name == "geo2"
    await rag.queue.drain()
    status = await stub.GetIndexingStatus(
        k.GetIndexingStatusRequest(workspace_id=WS, dataset_id=ds.id, batch=updated.batch)
    )
    assert [(s.id, s.indexing_status, s.total_segments) for s in status.data] == [(doc.id, "completed", 1)]
    segments = await stub.ListSegments(
        k.ListSegmentsRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc.id)
    )
    assert [s.content for s in segments.data] == ["Glaciers carve valleys."]
    assert await rag.components.store.count(ds.id, doc.id) == 1  # the old chunks are gone, no duplicates
    assert await _texts(channel, ds.id, "rivers silt") == []
    assert await _texts(channel, ds.id, "glaciers valleys") == ["Glaciers carve valleys."]

    by_file = await stub.UpdateDocumentByFile(
        k.UpdateDocumentByFileRequest(
            workspace_id=WS,
            dataset_id=ds.id,
            document_id=doc.id,
            filename="deltas.md",
            content=b"# Deltas\n\nDeltas form at river mouths.",
        )
    )
    assert by_file.document.name == "deltas.md"
    await rag.queue.drain()
    assert await _texts(channel, ds.id, "glaciers") == []
    assert any("river mouths" in t for t in await _texts(channel, ds.id, "deltas river mouths"))
    assert await rag.components.store.count(ds.id, doc.id) == len(
        (
            await stub.ListSegments(
                k.ListSegmentsRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc.id)
            )
        ).data
    )
    # Refusals change nothing: unsupported file, text without a name, another workspace's key.
    assert await _error(
        stub.UpdateDocumentByFile(
            k.UpdateDocumentByFileRequest(
                workspace_id=WS, dataset_id=ds.id, document_id=doc.id, filename="x.exe", content=b"MZ"
            )
        )
    ) == ("unsupported_file_type", 415)
    assert await _error(
        stub.UpdateDocumentByText(
            k.UpdateDocumentByTextRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc.id, text="x")
        )
    ) == ("invalid_param", 400)
    assert await _error(
        stub.UpdateDocumentByText(
            k.UpdateDocumentByTextRequest(
                workspace_id=OTHER, dataset_id=ds.id, document_id=doc.id, name="n", text="stolen"
            )
        )
    ) == ("not_found", 404)
    assert (
        await stub.GetDocument(k.GetDocumentRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc.id))
    ).name == "deltas.md"


async def test_status_actions_hide_documents_from_retrieval(channel: grpc.aio.Channel, rag: Rag) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="docs"))
    a = await _document(stub, rag, ds.id, "a", "Otters float on kelp.")
    b = await _document(stub, rag, ds.id, "b", "Otters crack shells.")

    async def act(action: str, *ids: str, ws: str = WS) -> None:
        await stub.UpdateDocumentsStatus(
            k.UpdateDocumentsStatusRequest(workspace_id=ws, dataset_id=ds.id, action=action, document_ids=ids)
        )

    await act("disable", a.id, "no-such-document")  # unknown ids are skipped, as in Dify
    assert await _texts(channel, ds.id, "otters") == ["Otters crack shells."]
    got = await stub.GetDocument(k.GetDocumentRequest(workspace_id=WS, dataset_id=ds.id, document_id=a.id))
    assert (got.enabled, got.display_status, got.HasField("disabled_at")) == (False, "disabled", True)
    await act("archive", b.id)
    assert await _texts(channel, ds.id, "otters") == []
    assert await _error(act("enable", b.id)) == ("invalid_action", 400)  # archived: un_archive first
    await act("un_archive", b.id)
    await act("enable", a.id)
    assert sorted(await _texts(channel, ds.id, "otters")) == ["Otters crack shells.", "Otters float on kelp."]
    assert await _error(act("explode", a.id)) == ("invalid_action", 400)
    assert await _error(act("disable", a.id, ws=OTHER)) == ("not_found", 404)
    assert len(await _texts(channel, ds.id, "otters")) == 2


async def test_child_chunks_are_listed_added_edited_and_deleted_with_reembedding(
    channel: grpc.aio.Channel, rag: Rag
) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="tree"))
    rule = r.ProcessRule(
        mode="hierarchical",
        rules=r.ProcessRules(
            parent_mode="paragraph",
            segmentation=r.Segmentation(separator="\\n\\n", max_tokens=500),
            subchunk_segmentation=r.Segmentation(separator="\\n", max_tokens=50),
        ),
    )
    doc = await _document(
        stub,
        rag,
        ds.id,
        "nature",
        "Tides rise twice a day.\nThe moon pulls the ocean.",
        doc_form="hierarchical_model",
        process_rule=rule,
    )
    [seg] = (
        await stub.ListSegments(k.ListSegmentsRequest(workspace_id=WS, dataset_id=ds.id, document_id=doc.id))
    ).data
    where = {"workspace_id": WS, "dataset_id": ds.id, "document_id": doc.id, "segment_id": seg.id}
    listed = await stub.ListChildChunks(k.ListChildChunksRequest(**where))
    assert [c.content for c in listed.data] == ["Tides rise twice a day.", "The moon pulls the ocean."]
    assert (listed.total, listed.total_pages, listed.page, listed.limit) == (2, 1, 1, 20)
    added = (
        await stub.CreateChildChunk(k.CreateChildChunkRequest(**where, content="Spring tides are strongest."))
    ).data
    assert (added.position, added.type) == (3, "customized")
    hits = await retrieval_pb2_grpc.RetrievalStub(channel).Retrieve(
        retrieval_pb2.RetrieveRequest(
            workspace_id=WS, dataset_ids=[ds.id], query="spring strongest", retrieval_model=FULL_TEXT
        )
    )
    assert [c.content for c in hits.records[0].child_chunks] == ["Spring tides are strongest."]
    first = listed.data[0]
    edited = (
        await stub.UpdateChildChunk(
            k.UpdateChildChunkRequest(**where, child_chunk_id=first.id, content="Neap tides are weak.")
        )
    ).data
    assert (edited.content, edited.type) == ("Neap tides are weak.", "customized")
    assert await _texts(channel, ds.id, "twice a day") == []
    assert await _texts(channel, ds.id, "neap weak") == [seg.content]  # the parent comes back
    await stub.DeleteChildChunk(k.DeleteChildChunkRequest(**where, child_chunk_id=added.id))
    assert await _texts(channel, ds.id, "spring strongest") == []
    assert await rag.components.store.count(ds.id, doc.id) == 2
    assert await _error(
        stub.DeleteChildChunk(k.DeleteChildChunkRequest(**where, child_chunk_id=added.id))
    ) == (
        "not_found",
        404,
    )
    assert await _error(stub.CreateChildChunk(k.CreateChildChunkRequest(**where, content="  "))) == (
        "invalid_param",
        400,
    )
    assert await _error(
        stub.ListChildChunks(k.ListChildChunksRequest(**{**where, "workspace_id": OTHER}))
    ) == (
        "not_found",
        404,
    )
    flat = await _document(
        stub,
        rag,
        (await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="flat"))).id,
        "f",
        "Plain text.",
    )
    [flat_seg] = (
        await stub.ListSegments(
            k.ListSegmentsRequest(workspace_id=WS, dataset_id=flat.dataset_id, document_id=flat.id)
        )
    ).data
    assert await _error(
        stub.CreateChildChunk(
            k.CreateChildChunkRequest(
                workspace_id=WS,
                dataset_id=flat.dataset_id,
                document_id=flat.id,
                segment_id=flat_seg.id,
                content="x",
            )
        )
    ) == ("invalid_param", 400)


def _value(v) -> Value:
    out = Value()
    if isinstance(v, str):
        out.string_value = v
    else:
        out.number_value = v
    return out


async def test_metadata_fields_values_and_filters(channel: grpc.aio.Channel, rag: Rag) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    ds = await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="meta"))
    old = await _document(stub, rag, ds.id, "old", "Deploy runbook, first edition.")
    new = await _document(stub, rag, ds.id, "new", "Deploy runbook, second edition.")
    year = await stub.CreateMetadataField(
        k.CreateMetadataFieldRequest(workspace_id=WS, dataset_id=ds.id, type="number", name="year")
    )
    team = await stub.CreateMetadataField(
        k.CreateMetadataFieldRequest(workspace_id=WS, dataset_id=ds.id, type="string", name="team")
    )
    for bad in (("number", "year"), ("string", "document_name"), ("colour", "hue"), ("string", "has space")):
        assert await _error(
            stub.CreateMetadataField(
                k.CreateMetadataFieldRequest(workspace_id=WS, dataset_id=ds.id, type=bad[0], name=bad[1])
            )
        ) == ("invalid_param", 400)

    def op(doc_id: str, y, t: str) -> k.DocumentMetadataUpdate:
        return k.DocumentMetadataUpdate(
            document_id=doc_id,
            metadata_list=[
                r.DocumentMetadataItem(id=year.id, name="year", value=_value(y)),
                r.DocumentMetadataItem(id=team.id, name="team", value=_value(t)),
            ],
        )

    await stub.UpdateDocumentsMetadata(
        k.UpdateDocumentsMetadataRequest(
            workspace_id=WS,
            dataset_id=ds.id,
            operation_data=[op(old.id, 2001, "ops"), op(new.id, "2024", "ops")],
        )
    )
    # A wrong-typed value or an unknown document refuses the whole request.
    assert await _error(
        stub.UpdateDocumentsMetadata(
            k.UpdateDocumentsMetadataRequest(
                workspace_id=WS,
                dataset_id=ds.id,
                operation_data=[op(old.id, 1999, "x"), op(new.id, "soon", "x")],
            )
        )
    ) == ("invalid_param", 400)
    got = await stub.GetDocument(k.GetDocumentRequest(workspace_id=WS, dataset_id=ds.id, document_id=new.id))
    assert {(i.name, i.value.number_value or i.value.string_value) for i in got.doc_metadata_items} == {
        ("year", 2024),
        ("team", "ops"),
    }

    def newer_than(value: float, name: str = "year") -> r.RetrievalModel:
        condition = r.MetadataCondition(name=name, comparison_operator=">", value=_value(value))
        return r.RetrievalModel(
            search_method="full_text_search",
            top_k=5,
            metadata_filtering_conditions=r.MetadataFilteringConditions(
                logical_operator="and", conditions=[condition]
            ),
        )

    assert await _texts(channel, ds.id, "deploy runbook", newer_than(2010)) == [
        "Deploy runbook, second edition."
    ]
    renamed = await stub.UpdateMetadataField(
        k.UpdateMetadataFieldRequest(workspace_id=WS, dataset_id=ds.id, metadata_id=year.id, name="released")
    )
    assert (renamed.name, renamed.count) == ("released", 2)
    assert await _texts(channel, ds.id, "deploy runbook", newer_than(2010, "released")) == [
        "Deploy runbook, second edition."
    ]
    listed = await stub.ListMetadataFields(k.ListMetadataFieldsRequest(workspace_id=WS, dataset_id=ds.id))
    assert [(f.name, f.type, f.count) for f in listed.doc_metadata] == [
        ("released", "number", 2),
        ("team", "string", 2),
    ]
    await stub.SetBuiltInMetadata(
        k.SetBuiltInMetadataRequest(workspace_id=WS, dataset_id=ds.id, enabled=True)
    )
    assert (
        await stub.ListMetadataFields(k.ListMetadataFieldsRequest(workspace_id=WS, dataset_id=ds.id))
    ).built_in_field_enabled
    await stub.DeleteMetadataField(
        k.DeleteMetadataFieldRequest(workspace_id=WS, dataset_id=ds.id, metadata_id=year.id)
    )
    assert await _texts(channel, ds.id, "deploy runbook", newer_than(2010, "released")) == []
    dataset = await stub.GetDataset(k.GetDatasetRequest(workspace_id=WS, dataset_id=ds.id))
    assert [f.name for f in dataset.doc_metadata] == ["team"] and dataset.built_in_field_enabled
    assert await _error(
        stub.ListMetadataFields(k.ListMetadataFieldsRequest(workspace_id=OTHER, dataset_id=ds.id))
    ) == ("not_found", 404)
    assert await _error(
        stub.DeleteMetadataField(
            k.DeleteMetadataFieldRequest(workspace_id=OTHER, dataset_id=ds.id, metadata_id=team.id)
        )
    ) == ("not_found", 404)


async def test_tags_bind_filter_and_stay_in_their_workspace(channel: grpc.aio.Channel) -> None:
    stub = knowledge_pb2_grpc.KnowledgeStub(channel)
    a = await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="a"))
    b = await stub.CreateDataset(k.CreateDatasetRequest(workspace_id=WS, name="b"))
    product = await stub.CreateTag(k.CreateTagRequest(workspace_id=WS, name="product"))
    legal = await stub.CreateTag(k.CreateTagRequest(workspace_id=WS, name="legal"))
    assert await _error(stub.CreateTag(k.CreateTagRequest(workspace_id=WS, name="legal"))) == (
        "invalid_param",
        400,
    )
    theirs = await stub.CreateTag(
        k.CreateTagRequest(workspace_id=OTHER, name="legal")
    )  # names are per workspace
    await stub.BindTags(
        k.TagBindingRequest(workspace_id=WS, dataset_id=a.id, tag_ids=[product.id, legal.id, theirs.id])
    )
    await stub.BindTags(k.TagBindingRequest(workspace_id=WS, dataset_id=b.id, tag_ids=[legal.id]))
    assert [
        t.name
        for t in (await stub.ListDatasetTags(k.ListDatasetTagsRequest(workspace_id=WS, dataset_id=a.id))).data
    ] == ["legal", "product"]
    listed = await stub.ListTags(k.ListTagsRequest(workspace_id=WS))
    assert {(t.name, t.binding_count) for t in listed.data} == {("product", 1), ("legal", 2)}
    only = await stub.ListDatasets(k.ListDatasetsRequest(workspace_id=WS, tag_ids=[product.id]))
    assert (
        [d.name for d in only.data] == ["a"]
        and only.total == 1
        and [t.name for t in only.data[0].tags] == ["legal", "product"]
    )
    await stub.UnbindTags(k.TagBindingRequest(workspace_id=WS, dataset_id=a.id, tag_ids=[product.id]))
    assert (await stub.ListDatasets(k.ListDatasetsRequest(workspace_id=WS, tag_ids=[product.id]))).total == 0
    renamed = await stub.UpdateTag(k.UpdateTagRequest(workspace_id=WS, tag_id=legal.id, name="compliance"))
    assert (renamed.name, renamed.binding_count) == ("compliance", 2)
    # Another workspace can neither rename, delete nor bind our tags, nor tag our datasets.
    assert await _error(
        stub.UpdateTag(k.UpdateTagRequest(workspace_id=OTHER, tag_id=legal.id, name="x"))
    ) == ("not_found", 404)
    assert await _error(stub.DeleteTag(k.DeleteTagRequest(workspace_id=OTHER, tag_id=legal.id))) == (
        "not_found",
        404,
    )
    assert await _error(
        stub.BindTags(k.TagBindingRequest(workspace_id=OTHER, dataset_id=a.id, tag_ids=[theirs.id]))
    ) == ("not_found", 404)
    await stub.DeleteTag(k.DeleteTagRequest(workspace_id=WS, tag_id=legal.id))
    assert (await stub.ListDatasetTags(k.ListDatasetTagsRequest(workspace_id=WS, dataset_id=b.id))).data == []
    assert [t.name for t in (await stub.ListTags(k.ListTagsRequest(workspace_id=WS))).data] == ["product"]
