"""The Knowledge API's labels, over HTTP against every ``KnowledgeBackend``: knowledge tags and their
bindings, dataset metadata fields, built-in metadata, and documents' metadata values."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from .test_knowledge_api import knowledge_backend  # noqa: F401 - a fixture
from .test_knowledge_curation import Kb, database, new_kb, other_workspace_key, refused  # noqa: F401

BUILT_IN = {"document_name", "uploader", "upload_date", "last_update_date", "source"}


@pytest.fixture
async def kb(gateway) -> Kb:
    return await new_kb(gateway, await gateway.dataset_key())


async def _tags(kb: Kb) -> list[dict[str, Any]]:
    return await kb.ok("GET", "/tags")


async def _bound(kb: Kb, dataset_id: str = "{ds}") -> list[str]:
    found = await kb.ok("GET", f"/{dataset_id}/tags")
    assert set(found) == {"data", "total"} and found["total"] == len(found["data"])
    return sorted(t["name"] for t in found["data"])


async def test_tags_create_rename_bind_unbind_delete(gateway, kb: Kb) -> None:
    assert await _tags(kb) == []
    alpha = await kb.ok("POST", "/tags", json={"name": "alpha"})
    assert set(alpha) >= {"id", "name", "type", "binding_count"}
    assert alpha["name"] == "alpha" and alpha["type"] == "knowledge" and alpha["binding_count"] == "0"
    beta = await kb.ok("POST", "/tags", json={"name": "beta"})
    refused(await kb.call("POST", "/tags", json={"name": "alpha"}), 400, "invalid_param")
    refused(await kb.call("POST", "/tags", json={"name": ""}), 400, "invalid_param")
    refused(await kb.call("POST", "/tags", json={"name": "x" * 51}), 400, "invalid_param")
    assert sorted(t["name"] for t in await _tags(kb)) == ["alpha", "beta"]

    bind = {"tag_ids": [alpha["id"], beta["id"]], "target_id": kb.id}
    bound = await kb.call("POST", "/tags/binding", json=bind)
    assert bound.status_code == 204 and not bound.content
    assert await _bound(kb) == ["alpha", "beta"]
    assert sorted(t["name"] for t in (await kb.ok("GET", "/{ds}"))["tags"]) == ["alpha", "beta"]
    assert {t["name"]: t["binding_count"] for t in await _tags(kb)} == {"alpha": "1", "beta": "1"}
    await kb.ok("POST", "/tags/binding", status=204, json=bind)  # binding twice: still once
    assert await _bound(kb) == ["alpha", "beta"]
    untagged = await new_kb(gateway, kb.key, "untagged")
    listed = await kb.ok("GET", "", params={"tag_ids": alpha["id"]})
    assert [d["id"] for d in listed["data"]] == [kb.id] and untagged.id not in str(listed)

    renamed = await kb.ok("PATCH", "/tags", json={"tag_id": alpha["id"], "name": "gamma"})
    assert renamed["id"] == alpha["id"] and renamed["name"] == "gamma" and renamed["binding_count"] == "1"
    assert await _bound(kb) == ["beta", "gamma"]

    # Refusals change nothing.
    refused(
        await kb.call("PATCH", "/tags", json={"tag_id": alpha["id"], "name": "beta"}), 400, "invalid_param"
    )
    refused(await kb.call("PATCH", "/tags", json={"tag_id": "nope", "name": "delta"}), 404, "not_found")
    refused(await kb.call("PATCH", "/tags", json={"name": "delta"}), 400, "invalid_param")
    refused(
        await kb.call("POST", "/tags/binding", json={"tag_ids": [], "target_id": kb.id}), 400, "invalid_param"
    )
    refused(await kb.call("POST", "/tags/binding", json={"tag_ids": [beta["id"]]}), 400, "invalid_param")
    refused(await kb.call("POST", "/tags/binding", json={**bind, "target_id": "nope"}), 404, "not_found")
    refused(await kb.call("DELETE", "/tags", json={"tag_id": "nope"}), 404, "not_found")
    assert sorted(t["name"] for t in await _tags(kb)) == ["beta", "gamma"]
    assert await _bound(kb) == ["beta", "gamma"]

    unbound = await kb.call("POST", "/tags/unbinding", json={"tag_ids": [beta["id"]], "target_id": kb.id})
    assert unbound.status_code == 204
    assert await _bound(kb) == ["gamma"]
    await kb.ok("POST", "/tags/unbinding", status=204, json={"tag_id": alpha["id"], "target_id": kb.id})
    assert await _bound(kb) == [] and (await kb.ok("GET", "/{ds}"))["tags"] == []

    await kb.ok("POST", "/tags/binding", status=204, json={"tag_ids": [beta["id"]], "target_id": kb.id})
    deleted = await kb.call("DELETE", "/tags", json={"tag_id": beta["id"]})
    assert deleted.status_code == 204 and not deleted.content
    assert [t["name"] for t in await _tags(kb)] == ["gamma"]
    assert await _bound(kb) == []  # a deleted tag leaves its datasets
    refused(await kb.call("DELETE", "/tags", json={"tag_id": beta["id"]}), 404, "not_found")


async def test_tags_stay_in_their_workspace(gateway, kb: Kb) -> None:
    mine = await kb.ok("POST", "/tags", json={"name": "mine"})
    stranger = await new_kb(gateway, await other_workspace_key(gateway), "theirs")
    assert await _tags(stranger) == []
    theirs = await stranger.ok("POST", "/tags", json={"name": "mine"})  # names are per workspace
    refused(await stranger.call("PATCH", "/tags", json={"tag_id": mine["id"], "name": "x"}), 404, "not_found")
    refused(await stranger.call("DELETE", "/tags", json={"tag_id": mine["id"]}), 404, "not_found")
    their_bind = {"tag_ids": [theirs["id"]], "target_id": kb.id}
    refused(await stranger.call("POST", "/tags/binding", json=their_bind), 404, "not_found")
    refused(await stranger.call("GET", f"/{kb.id}/tags"), 404, "not_found")
    # Another workspace's tag is not bound (ignored, as Dify ignores unknown tag ids).
    await stranger.ok(
        "POST", "/tags/binding", status=204, json={"tag_ids": [mine["id"]], "target_id": stranger.id}
    )
    assert await _bound(stranger) == []
    assert [(t["id"], t["name"], t["binding_count"]) for t in await _tags(kb)] == [(mine["id"], "mine", "0")]


async def _values(kb: Kb, doc_id: str) -> dict[str, Any]:
    doc = await kb.ok("GET", f"/{{ds}}/documents/{doc_id}")
    items = [m for m in doc["doc_metadata"] or [] if m.get("id") != "built-in"]
    assert all({"id", "name", "type", "value"} <= set(m) for m in items), items
    return {m["name"]: m["value"] for m in items}


async def _set(kb: Kb, *ops: dict[str, Any]) -> httpx.Response:
    return await kb.call("POST", "/{ds}/documents/metadata", json={"operation_data": list(ops)})


async def test_metadata_fields_and_document_values(kb: Kb) -> None:
    a, b = await kb.document("a", "Alpha text."), await kb.document("b", "Beta text.")
    assert await kb.ok("GET", "/{ds}/metadata") == {"doc_metadata": [], "built_in_field_enabled": False}

    author = await kb.ok("POST", "/{ds}/metadata", status=201, json={"type": "string", "name": "author"})
    assert {"id", "name", "type"} <= set(author) and (author["name"], author["type"]) == ("author", "string")
    year = await kb.ok("POST", "/{ds}/metadata", status=201, json={"type": "number", "name": "year"})
    for bad in (
        {"type": "string", "name": "author"},  # taken
        {"type": "string", "name": "document_name"},  # built-in
        {"type": "colour", "name": "shade"},
        {"type": "string", "name": ""},
        {"type": "string"},
    ):
        refused(await kb.call("POST", "/{ds}/metadata", json=bad), 400, "invalid_param")
    fields = (await kb.ok("GET", "/{ds}/metadata"))["doc_metadata"]
    assert sorted((f["name"], f["type"], f["count"]) for f in fields) == [
        ("author", "string", 0),
        ("year", "number", 0),
    ]

    def item(field: dict[str, Any], value: Any) -> dict[str, Any]:
        return {"id": field["id"], "name": field["name"], "value": value}

    done = await _set(
        kb, {"document_id": a["id"], "metadata_list": [item(author, "Ann"), item(year, "2024")]}
    )
    assert done.status_code == 200 and done.json() == {"result": "success"}
    assert await _values(kb, a["id"]) == {"author": "Ann", "year": 2024}
    listed = {f["name"]: f["count"] for f in (await kb.ok("GET", "/{ds}/metadata"))["doc_metadata"]}
    assert listed == {"author": 1, "year": 1}

    # A bad operation anywhere in the batch changes no document.
    good = {"document_id": b["id"], "metadata_list": [item(author, "Bo")]}
    for bad_op in (
        {"document_id": a["id"], "metadata_list": [item(year, "not a number")]},
        {"document_id": "no-such-document", "metadata_list": [item(author, "X")]},
        {"document_id": a["id"], "metadata_list": [{"id": "no-such-field", "name": "x", "value": "1"}]},
    ):
        refused(await _set(kb, good, bad_op), 400, "invalid_param")
    refused(
        await kb.call("POST", "/{ds}/documents/metadata", json={"operation_data": []}), 400, "invalid_param"
    )
    refused(await kb.call("POST", "/{ds}/documents/metadata", json={}), 400, "invalid_param")
    assert await _values(kb, b["id"]) == {}
    assert await _values(kb, a["id"]) == {"author": "Ann", "year": 2024}

    # Values are replaced, unless partial_update keeps the ones not listed.
    await _set(
        kb, {"document_id": a["id"], "metadata_list": [item(author, "Ann B.")], "partial_update": True}
    )
    assert await _values(kb, a["id"]) == {"author": "Ann B.", "year": 2024}
    assert await _values(kb, b["id"]) == {}  # still: the refused batches left nothing behind
    await _set(kb, {"document_id": a["id"], "metadata_list": [item(year, 1999)]})
    assert await _values(kb, a["id"]) == {"year": 1999}
    await _set(kb, {"document_id": a["id"], "metadata_list": [item(author, "Ann")], "partial_update": True})

    renamed = await kb.ok("PATCH", f"/{{ds}}/metadata/{author['id']}", json={"name": "writer"})
    assert renamed["id"] == author["id"] and renamed["name"] == "writer" and renamed["type"] == "string"
    assert await _values(kb, a["id"]) == {"writer": "Ann", "year": 1999}
    refused(
        await kb.call("PATCH", f"/{{ds}}/metadata/{author['id']}", json={"name": "year"}),
        400,
        "invalid_param",
    )
    refused(await kb.call("PATCH", f"/{{ds}}/metadata/{author['id']}", json={}), 400, "invalid_param")
    refused(await kb.call("PATCH", "/{ds}/metadata/nope", json={"name": "x"}), 404, "not_found")
    refused(await kb.call("DELETE", "/{ds}/metadata/nope"), 404, "not_found")
    names = sorted(f["name"] for f in (await kb.ok("GET", "/{ds}/metadata"))["doc_metadata"])
    assert names == ["writer", "year"]

    deleted = await kb.call("DELETE", f"/{{ds}}/metadata/{year['id']}")
    assert deleted.status_code == 204 and not deleted.content
    assert [f["name"] for f in (await kb.ok("GET", "/{ds}/metadata"))["doc_metadata"]] == ["writer"]
    assert await _values(kb, a["id"]) == {"writer": "Ann"}
    refused(await kb.call("DELETE", f"/{{ds}}/metadata/{year['id']}"), 404, "not_found")
    refused(await _set(kb, {"document_id": a["id"], "metadata_list": [item(year, 1)]}), 400, "invalid_param")


async def test_built_in_metadata(kb: Kb) -> None:
    built_in = await kb.ok("GET", "/{ds}/metadata/built-in")
    assert set(built_in) == {"fields"} and {f["name"] for f in built_in["fields"]} == BUILT_IN
    assert all(set(f) == {"name", "type"} for f in built_in["fields"])
    doc = await kb.document("geo", "Rivers.")
    assert not [m for m in doc["doc_metadata"] or [] if m["id"] == "built-in"]
    assert await kb.ok("POST", "/{ds}/metadata/built-in/enable") == {"result": "success"}
    assert (await kb.ok("GET", "/{ds}/metadata"))["built_in_field_enabled"] is True
    assert (await kb.ok("GET", "/{ds}"))["built_in_field_enabled"] is True
    # Documents now show the built-in fields with their values (one of them, renamed).
    shown = (await kb.ok("GET", f"/{{ds}}/documents/{doc['id']}"))["doc_metadata"]
    values = {m["name"]: m["value"] for m in shown if m["id"] == "built-in"}
    assert set(values) == BUILT_IN and values["document_name"] == "geo"
    assert values["upload_date"] == doc["created_at"] and values["source"] == doc["data_source_type"]
    await kb.ok("POST", f"/{{ds}}/documents/{doc['id']}/update-by-text", json={"name": "geography"})
    listed = (await kb.ok("GET", "/{ds}/documents"))["data"][0]["doc_metadata"]
    assert {m["name"]: m["value"] for m in listed}["document_name"] == "geography"
    refused(await kb.call("POST", "/{ds}/metadata/built-in/toggle"), 400)
    assert (await kb.ok("GET", "/{ds}/metadata"))["built_in_field_enabled"] is True
    assert await kb.ok("POST", "/{ds}/metadata/built-in/disable") == {"result": "success"}
    assert (await kb.ok("GET", "/{ds}/metadata"))["built_in_field_enabled"] is False
    assert not (await kb.ok("GET", f"/{{ds}}/documents/{doc['id']}"))["doc_metadata"]
    refused(await kb.call("POST", "/nope/metadata/built-in/enable"), 404, "not_found")


async def test_metadata_of_another_workspace_is_refused(gateway, kb: Kb) -> None:
    doc = await kb.document("geo", "Rivers.")
    field = await kb.ok("POST", "/{ds}/metadata", status=201, json={"type": "string", "name": "author"})
    stranger = Kb(gateway, await other_workspace_key(gateway), kb.id)
    value = {"document_id": doc["id"], "metadata_list": [{"id": field["id"], "name": "author", "value": "X"}]}
    for method, path, kw in (
        ("GET", "/{ds}/metadata", {}),
        ("POST", "/{ds}/metadata", {"json": {"type": "string", "name": "spy"}}),
        ("PATCH", f"/{{ds}}/metadata/{field['id']}", {"json": {"name": "spy"}}),
        ("DELETE", f"/{{ds}}/metadata/{field['id']}", {}),
        ("GET", "/{ds}/metadata/built-in", {}),
        ("POST", "/{ds}/metadata/built-in/enable", {}),
        ("POST", "/{ds}/documents/metadata", {"json": {"operation_data": [value]}}),
        ("POST", "/tags/binding", {"json": {"tag_ids": ["t"], "target_id": kb.id}}),
    ):
        refused(await stranger.call(method, path, **kw), 404, "not_found")
    found = await kb.ok("GET", "/{ds}/metadata")
    assert [f["name"] for f in found["doc_metadata"]] == ["author"] and not found["built_in_field_enabled"]
    assert await _values(kb, doc["id"]) == {}
