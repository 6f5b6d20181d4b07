"""The Knowledge API on existing documents, over HTTP against every ``KnowledgeBackend``: one document
or chunk, documents updated in place, batch status actions, child chunks; refusals leave no trace."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from riverflow.gateway.credentials import hash_secret, new_api_key, visible_prefix

from .test_knowledge_api import _indexed, _ready, knowledge_backend  # noqa: F401 - a fixture

PARAS = ["Rivers carry water to the sea.", "Mountains hold snow in winter.", "The delta meets the sea."]
TEXT = "\n\n".join(PARAS)
HIERARCHICAL = {
    "doc_form": "hierarchical_model",
    "process_rule": {
        "mode": "hierarchical",
        "rules": {
            "pre_processing_rules": [],
            "segmentation": {"separator": "\n\n", "max_tokens": 1000},
            "parent_mode": "paragraph",
            "subchunk_segmentation": {"separator": "\n", "max_tokens": 200},
        },
    },
}
DOCUMENT_FIELDS = {
    "id", "position", "data_source_type", "name", "created_from", "created_by", "created_at", "tokens",
    "indexing_status", "error", "enabled", "disabled_at", "disabled_by", "archived", "display_status",
    "word_count", "hit_count", "doc_form", "doc_metadata",
}  # fmt: skip
SEGMENT_FIELDS = {
    "id", "position", "document_id", "content", "sign_content", "answer", "word_count", "tokens",
    "keywords", "index_node_id", "index_node_hash", "hit_count", "enabled", "status", "created_at",
    "child_chunks",
}  # fmt: skip
CHILD_FIELDS = {"id", "segment_id", "content", "position", "word_count", "type", "created_at", "updated_at"}


@pytest.fixture
def database() -> str:
    return "sqlite"  # the backend varies here; the gateway's database does not matter to it


def refused(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """A Dify error body: ``{code, message, status}`` (plus ``params`` for a field)."""
    assert response.status_code == status, response.text
    body = response.json()
    assert {"code", "message", "status"} <= set(body) <= {"code", "message", "status", "params"}, body
    assert body["status"] == status and body["message"], body
    if code is not None:
        assert body["code"] == code, body
    return body


@dataclass
class Kb:
    """A dataset reached with one dataset key; paths are relative to ``/v1/datasets``."""

    gateway: Any
    key: str
    id: str = ""

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"}

    async def call(self, method: str, path: str, **kw: Any) -> httpx.Response:
        url = f"/v1/datasets{path.replace('{ds}', self.id)}"
        return await self.gateway.client.request(method, url, headers=self.headers, **kw)

    async def ok(self, method: str, path: str, status: int = 200, **kw: Any) -> Any:
        response = await self.call(method, path, **kw)
        assert response.status_code == status, response.text
        return response.json() if response.content else None

    async def document(self, name: str, text: str = TEXT, **config: Any) -> dict[str, Any]:
        body = {"name": name, "text": text, "indexing_technique": "high_quality", **config}
        created = await self.ok("POST", "/{ds}/document/create-by-text", json=body)
        await self.indexed(created["batch"])
        return await self.ok("GET", f"/{{ds}}/documents/{created['document']['id']}")

    async def indexed(self, batch: str) -> None:
        item = await _indexed(self.gateway, self.key, self.id, batch)
        assert item["indexing_status"] == "completed", item

    async def segments(self, document_id: str) -> list[dict[str, Any]]:
        return (await self.ok("GET", f"/{{ds}}/documents/{document_id}/segments"))["data"]


async def new_kb(gateway: Any, key: str, name: str = "rivers") -> Kb:
    kb = Kb(gateway, key)
    await _ready(gateway, key)
    kb.id = (await kb.ok("POST", "", json={"name": name}))["id"]
    return kb


async def other_workspace_key(gateway: Any) -> str:
    store = gateway.app.state.services.store
    workspace = await store.create_workspace("elsewhere")
    key = new_api_key("dataset")
    await store.create_api_key(
        type="dataset",
        workspace_id=workspace.id,
        app_id=None,
        key_hash=hash_secret(key),
        prefix=visible_prefix(key),
    )
    return key


@pytest.fixture
async def kb(gateway) -> Kb:
    return await new_kb(gateway, await gateway.dataset_key())


async def test_get_document_and_segment(kb: Kb) -> None:
    doc = await kb.document("geo")
    other = await kb.document("other", "Lakes are still.")
    assert DOCUMENT_FIELDS <= set(doc), DOCUMENT_FIELDS - set(doc)
    assert doc["name"] == "geo" and doc["indexing_status"] == "completed" and doc["enabled"] is True
    assert doc["display_status"] == "available" and doc["archived"] is False
    assert doc["segment_count"] == 3 and doc["average_segment_length"] > 0
    only = await kb.ok("GET", f"/{{ds}}/documents/{doc['id']}", params={"metadata": "only"})
    assert set(only) == {"id", "doc_type", "doc_metadata"} and only["id"] == doc["id"]
    without = await kb.ok("GET", f"/{{ds}}/documents/{doc['id']}", params={"metadata": "without"})
    assert "doc_metadata" not in without and without["name"] == "geo"
    refused(await kb.call("GET", f"/{{ds}}/documents/{doc['id']}?metadata=some"), 400, "invalid_metadata")
    refused(await kb.call("GET", "/{ds}/documents/no-such-document"), 404, "not_found")

    segments = await kb.segments(doc["id"])
    assert [s["content"] for s in segments] == PARAS
    one = await kb.ok("GET", f"/{{ds}}/documents/{doc['id']}/segments/{segments[1]['id']}")
    assert set(one) == {"data", "doc_form"} and one["doc_form"] == "text_model"
    assert SEGMENT_FIELDS <= set(one["data"]), SEGMENT_FIELDS - set(one["data"])
    assert one["data"]["id"] == segments[1]["id"] and one["data"]["content"] == PARAS[1]
    assert one["data"]["document_id"] == doc["id"]
    refused(await kb.call("GET", f"/{{ds}}/documents/{doc['id']}/segments/nope"), 404, "not_found")
    # A segment is found only under its own document.
    wrong = f"/{{ds}}/documents/{other['id']}/segments/{segments[0]['id']}"
    refused(await kb.call("GET", wrong), 404, "not_found")


async def test_update_by_text_replaces_the_segments(kb: Kb) -> None:
    doc = await kb.document("geo")
    old = await kb.segments(doc["id"])
    path = f"/{{ds}}/documents/{doc['id']}"
    # Bad input first: nothing may change.
    refused(await kb.call("POST", f"{path}/update-by-text", json={"text": "no name"}), 400, "invalid_param")
    refused(await kb.call("POST", f"{path}/update-by-text", json={"name": ""}), 400, "invalid_param")
    bad_form = {"name": "x", "text": "y", "doc_form": "pictures"}
    refused(await kb.call("POST", f"{path}/update-by-text", json=bad_form), 400, "invalid_param")
    refused(
        await kb.call("POST", "/{ds}/documents/nope/update-by-text", json={"name": "a", "text": "b"}), 404
    )
    assert await kb.segments(doc["id"]) == old
    assert (await kb.ok("GET", path))["name"] == "geo"

    renamed = await kb.ok("POST", f"{path}/update-by-text", json={"name": "geography"})
    assert set(renamed) == {"document", "batch"} and renamed["document"]["name"] == "geography"
    assert [s["id"] for s in await kb.segments(doc["id"])] == [s["id"] for s in old]  # not re-indexed

    text = "Estuaries mix salt and fresh water.\n\nDeltas grow with silt."
    updated = await kb.ok("POST", f"{path}/update_by_text", json={"name": "coast", "text": text})
    assert DOCUMENT_FIELDS <= set(updated["document"]) and updated["document"]["id"] == doc["id"]
    await kb.indexed(updated["batch"])
    segments = await kb.segments(doc["id"])
    assert [s["content"] for s in segments] == text.split("\n\n")
    refused(await kb.call("GET", f"{path}/segments/{old[0]['id']}"), 404, "not_found")
    after = await kb.ok("GET", path)
    assert after["name"] == "coast" and after["indexing_status"] == "completed"
    assert after["segment_count"] == 2
    listed = await kb.ok("GET", "/{ds}/documents")
    assert listed["total"] == 1 and listed["data"][0]["name"] == "coast"
    hits = await kb.ok("POST", "/{ds}/retrieve", json={"query": "silt deltas"})
    assert hits["records"] and hits["records"][0]["segment"]["content"] == "Deltas grow with silt."


async def test_one_dataset_keeps_one_document_form(kb: Kb) -> None:
    await kb.document("geo")
    body = {"name": "pc", "text": TEXT, "indexing_technique": "high_quality", **HIERARCHICAL}
    error = refused(await kb.call("POST", "/{ds}/document/create-by-text", json=body), 400, "invalid_param")
    assert "text_model" in error["message"]
    assert [d["name"] for d in (await kb.ok("GET", "/{ds}/documents"))["data"]] == ["geo"]


async def test_update_by_file(kb: Kb) -> None:
    doc = await kb.document("geo")
    path = f"/{{ds}}/documents/{doc['id']}"
    old = await kb.segments(doc["id"])
    data = {"data": '{"indexing_technique": "high_quality"}'}
    refused(await kb.call("POST", f"{path}/update-by-file", json={"name": "x"}), 400, "no_file_uploaded")
    refused(await kb.call("POST", f"{path}/update-by-file", files={"file": ("", b"x")}, data=data), 400)
    unsupported = {"file": ("tool.exe", b"MZ\x90\x00binary")}
    refused(
        await kb.call("POST", f"{path}/update-by-file", files=unsupported, data=data),
        415,
        "unsupported_file_type",
    )
    bad = {"data": "{not json"}
    refused(await kb.call("POST", f"{path}/update-by-file", files={"file": ("a.txt", b"x")}, data=bad), 400)
    nowhere = "/{ds}/documents/nope/update-by-file"
    refused(await kb.call("POST", nowhere, files={"file": ("a.txt", b"x")}, data=data), 404, "not_found")
    assert await kb.segments(doc["id"]) == old and (await kb.ok("GET", path))["name"] == "geo"

    # As in Dify, no file changes only the name and settings: nothing is re-indexed.
    renamed = await kb.ok("POST", f"{path}/update-by-file", data={"data": '{"name": "geography"}'})
    assert renamed["document"]["id"] == doc["id"] and renamed["document"]["name"] == "geography"
    assert await kb.segments(doc["id"]) == old

    files = {"file": ("lakes.txt", b"Lakes are still water.\n\nPonds are small lakes.")}
    updated = await kb.ok("POST", f"{path}/update-by-file", files=files, data=data)
    assert updated["document"]["id"] == doc["id"] and updated["document"]["name"] == "lakes.txt"
    await kb.indexed(updated["batch"])
    assert [s["content"] for s in await kb.segments(doc["id"])] == [
        "Lakes are still water.",
        "Ponds are small lakes.",
    ]

    # Dify's canonical spelling (PATCH on the document); a name in `data` wins over the filename.
    files = {"file": ("ice.md", b"Glaciers are slow rivers of ice.")}
    patched = await kb.ok("PATCH", path, files=files, data={"data": '{"name": "glaciers"}'})
    await kb.indexed(patched["batch"])
    assert (await kb.ok("GET", path))["name"] == "glaciers"
    assert [s["content"] for s in await kb.segments(doc["id"])] == ["Glaciers are slow rivers of ice."]


async def test_document_status_actions(kb: Kb) -> None:
    a, b = await kb.document("a", "Alpha rivers flow."), await kb.document("b", "Beta rivers flow.")
    ids = [a["id"], b["id"]]

    async def state(doc_id: str) -> tuple[bool, bool, str]:
        doc = await kb.ok("GET", f"/{{ds}}/documents/{doc_id}")
        return doc["enabled"], doc["archived"], doc["display_status"]

    async def act(action: str, document_ids: list[str]) -> httpx.Response:
        return await kb.call(
            "PATCH", f"/{{ds}}/documents/status/{action}", json={"document_ids": document_ids}
        )

    disabled = await act("disable", ids)
    assert disabled.status_code == 200 and disabled.json() == {"result": "success"}
    assert await state(a["id"]) == await state(b["id"]) == (False, False, "disabled")
    assert (await kb.ok("GET", f"/{{ds}}/documents/{a['id']}"))["disabled_at"]
    listed = await kb.ok("GET", "/{ds}/documents", params={"status": "disabled"})
    assert {d["id"] for d in listed["data"]} == set(ids)
    assert (await kb.ok("POST", "/{ds}/retrieve", json={"query": "rivers flow"}))["records"] == []

    assert (await act("enable", [a["id"], "no-such-document"])).status_code == 200  # unknown ids: skipped
    assert await state(a["id"]) == (True, False, "available")
    assert (await act("archive", [a["id"]])).status_code == 200
    assert await state(a["id"]) == (True, True, "archived")
    # Enabling an archived document is refused, and the whole batch with it (b stays disabled).
    refused(await act("enable", [b["id"], a["id"]]), 400, "invalid_action")
    assert await state(b["id"]) == (False, False, "disabled")
    refused(await act("delete", ids), 400, "invalid_action")
    refused(await kb.call("PATCH", "/{ds}/documents/status/enable", json={}), 400, "invalid_param")
    refused(await kb.call("PATCH", "/nope/documents/status/enable", json={"document_ids": ids}), 404)
    assert await state(a["id"]) == (True, True, "archived")

    assert (await act("un_archive", [a["id"]])).status_code == 200
    assert await state(a["id"]) == (True, False, "available")
    records = (await kb.ok("POST", "/{ds}/retrieve", json={"query": "alpha rivers"}))["records"]
    assert [r["segment"]["document_id"] for r in records] == [a["id"]]


async def test_child_chunks_of_a_parent_child_document(gateway) -> None:
    kb = await new_kb(gateway, await gateway.dataset_key(), "parent-child")
    text = "Rivers carry water.\nThey flow downhill.\n\nMountains hold snow.\nGlaciers carve valleys."
    doc = await kb.document("hier", text, **HIERARCHICAL)
    assert doc["doc_form"] == "hierarchical_model"
    parent = (await kb.segments(doc["id"]))[0]
    assert parent["content"] == "Rivers carry water.\nThey flow downhill."
    children = f"/{{ds}}/documents/{doc['id']}/segments/{parent['id']}/child_chunks"

    listed = await kb.ok("GET", children)
    assert set(listed) == {"data", "total", "total_pages", "page", "limit"}
    assert [c["content"] for c in listed["data"]] == ["Rivers carry water.", "They flow downhill."]
    assert listed["total"] == 2 and listed["total_pages"] == 1 and listed["page"] == 1
    assert all(CHILD_FIELDS <= set(c) and c["segment_id"] == parent["id"] for c in listed["data"])

    added = await kb.ok("POST", children, json={"content": "Water shapes the land."})
    assert set(added) == {"data"} and CHILD_FIELDS <= set(added["data"])
    child = added["data"]
    assert child["content"] == "Water shapes the land." and child["segment_id"] == parent["id"]
    assert (await kb.ok("GET", children))["total"] == 3
    found = await kb.ok("GET", children, params={"keyword": "shapes"})
    assert [c["id"] for c in found["data"]] == [child["id"]]
    paged = await kb.ok("GET", children, params={"limit": 2, "page": 2})
    assert paged["total"] == 3 and paged["total_pages"] == 2 and len(paged["data"]) == 1

    changed = await kb.ok("PATCH", f"{children}/{child['id']}", json={"content": "Water carves the land."})
    assert changed["data"]["id"] == child["id"] and changed["data"]["content"] == "Water carves the land."
    seg = await kb.ok("GET", f"/{{ds}}/documents/{doc['id']}/segments/{parent['id']}")
    assert "Water carves the land." in [c["content"] for c in seg["data"]["child_chunks"]]

    # Refusals change nothing.
    refused(await kb.call("POST", children, json={"content": ""}), 400, "invalid_param")
    refused(await kb.call("POST", children, json={}), 400, "invalid_param")
    refused(await kb.call("PATCH", f"{children}/{child['id']}", json={"content": ""}), 400, "invalid_param")
    refused(await kb.call("PATCH", f"{children}/nope", json={"content": "x"}), 404, "not_found")
    refused(await kb.call("DELETE", f"{children}/nope"), 404, "not_found")
    for missing in (children.replace(parent["id"], "nope"), children.replace(doc["id"], "nope")):
        refused(await kb.call("GET", missing), 404, "not_found")
        refused(await kb.call("POST", missing, json={"content": "x"}), 404, "not_found")
    after = await kb.ok("GET", children)
    assert after["total"] == 3 and "Water carves the land." in [c["content"] for c in after["data"]]

    deleted = await kb.call("DELETE", f"{children}/{child['id']}")
    assert deleted.status_code == 204 and not deleted.content
    remaining = (await kb.ok("GET", children))["data"]
    assert [c["content"] for c in remaining] == ["Rivers carry water.", "They flow downhill."]
    refused(await kb.call("DELETE", f"{children}/{child['id']}"), 404, "not_found")

    # A plain (text_model) document has no child chunks to add to.
    plain = await new_kb(gateway, kb.key, "plain")
    pdoc = await plain.document("flat", "One line only.")
    pseg = (await plain.segments(pdoc["id"]))[0]
    flat = f"/{{ds}}/documents/{pdoc['id']}/segments/{pseg['id']}/child_chunks"
    refused(await plain.call("POST", flat, json={"content": "child"}), 400, "invalid_param")
    assert (await plain.ok("GET", flat))["total"] == 0


async def test_another_workspace_and_bad_keys_are_refused(gateway, kb: Kb) -> None:
    doc = await kb.document("geo")
    seg = (await kb.segments(doc["id"]))[0]
    stranger = Kb(gateway, await other_workspace_key(gateway), kb.id)
    d = f"/{{ds}}/documents/{doc['id']}"
    attempts = [
        ("GET", d, {}),
        ("GET", f"{d}/segments/{seg['id']}", {}),
        ("POST", f"{d}/update-by-text", {"json": {"name": "stolen", "text": "gone"}}),
        ("POST", f"{d}/update-by-file", {"files": {"file": ("x.txt", b"gone")}}),
        ("PATCH", "/{ds}/documents/status/disable", {"json": {"document_ids": [doc["id"]]}}),
        ("GET", f"{d}/segments/{seg['id']}/child_chunks", {}),
        ("POST", f"{d}/segments/{seg['id']}/child_chunks", {"json": {"content": "x"}}),
    ]
    for method, path, kw in attempts:
        refused(await stranger.call(method, path, **kw), 404, "not_found")
        for bad in ("dataset-not-a-key", "app-not-a-key"):
            response = await gateway.client.request(
                method, f"/v1/datasets{path.replace('{ds}', kb.id)}", headers=gateway.auth(bad), **kw
            )
            refused(response, 401, "unauthorized")
    after = await kb.ok("GET", d)
    assert after["name"] == "geo" and after["enabled"] is True
    assert [s["content"] for s in await kb.segments(doc["id"])] == PARAS
