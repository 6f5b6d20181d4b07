"""``InMemoryKnowledge``'s operations on existing knowledge (the reference for the rag service's):
documents updated in place, status actions, child chunks, metadata and tags."""

from __future__ import annotations

import time
import uuid
from typing import Any

from riverflow.gateway.adapters.knowledge_objects import BUILT_IN_TYPES
from riverflow.gateway.errors import ApiError
from riverflow.gateway.knowledge_port import DocumentFile

__all__ = ["InMemoryCuration", "STATUS_ACTIONS"]

Json = dict[str, Any]
STATUS_ACTIONS = ("enable", "disable", "archive", "un_archive")
_TYPES = ("string", "number", "time")


def _missing(what: str) -> ApiError:
    return ApiError(404, "not_found", f"{what} not found.")


def _invalid(message: str, code: str = "invalid_param") -> ApiError:
    return ApiError(400, code, message)


class InMemoryCuration:
    """Mixed into ``InMemoryKnowledge`` (its records, lookups and splitting)."""

    datasets: dict[str, Json]
    documents: dict[str, Json]
    segments: dict[str, Json]
    tags: dict[str, Json]

    # Provided by InMemoryKnowledge.
    def _dataset(self, workspace_id: str, dataset_id: str) -> Json | None: ...
    def _document(self, workspace_id: str, dataset_id: str, document_id: str) -> Json | None: ...
    def _segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> Json | None: ...
    def _public(self, record: Json) -> Json: ...
    def _document_view(self, document: Json) -> Json: ...
    def _index_text(self, dataset: Json, document: Json, text: str, config: Json) -> None: ...
    def _decode(self, file: DocumentFile) -> str: ...

    def _must_dataset(self, workspace_id: str, dataset_id: str) -> Json:
        found = self._dataset(workspace_id, dataset_id)
        if found is None:
            raise _missing("Dataset")
        return found

    def _must_document(self, workspace_id: str, dataset_id: str, document_id: str) -> Json:
        self._must_dataset(workspace_id, dataset_id)
        found = self._document(workspace_id, dataset_id, document_id)
        if found is None:
            raise _missing("Document")
        return found

    def _must_segment(self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str) -> Json:
        self._must_document(workspace_id, dataset_id, document_id)
        found = self._segment(workspace_id, dataset_id, document_id, segment_id)
        if found is None:
            raise _missing("Segment")
        return found

    # -- documents ------------------------------------------------------------------------------------

    async def get_document(self, workspace_id: str, dataset_id: str, document_id: str) -> Json:
        return self._document_view(self._must_document(workspace_id, dataset_id, document_id))

    async def get_segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> Json:
        segment = self._must_segment(workspace_id, dataset_id, document_id, segment_id)
        doc_form = self.datasets[dataset_id].get("doc_form") or "text_model"
        return {"data": self._public(segment), "doc_form": doc_form}

    async def update_document(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        *,
        name: str | None,
        config: Json,
        text: str | None = None,
        file: DocumentFile | None = None,
    ) -> Json:
        document = self._must_document(workspace_id, dataset_id, document_id)
        if text is not None and name is None:
            raise _invalid("name is required when text is provided")
        if name is not None and not 1 <= len(name.strip()) <= 255:
            raise _invalid("name must be 1 to 255 characters")
        if file is not None:
            text = self._decode(file)
            name = file.filename if name is None else name
        if text is not None and not text.strip():
            raise _invalid("text is required")
        if document["display_status"] not in ("available", "error"):
            raise _invalid("Document is not available for update; only available documents can be updated.")
        if name is not None:
            document["name"] = name.strip()
        if text is not None or config.get("process_rule"):
            current = "\n\n".join(
                s["content"]
                for s in sorted(self.segments.values(), key=lambda s: s["position"])
                if s["document_id"] == document_id
            )
            for seg_id in [s["id"] for s in self.segments.values() if s["document_id"] == document_id]:
                del self.segments[seg_id]
            document["_batch"] = f"{int(time.time())}{uuid.uuid4().int % 10**6:06d}"
            self._index_text(self.datasets[dataset_id], document, current if text is None else text, config)
        return {"document": self._document_view(document), "batch": document["_batch"]}

    async def set_documents_status(
        self, workspace_id: str, dataset_id: str, action: str, document_ids: list[str]
    ) -> None:
        self._must_dataset(workspace_id, dataset_id)
        if action not in STATUS_ACTIONS:
            raise _invalid(f"Invalid action: {action!r}.", "invalid_action")
        if not document_ids:
            raise _invalid("document_ids must not be empty")
        docs = [d for i in dict.fromkeys(document_ids) if (d := self._document(workspace_id, dataset_id, i))]
        if action == "enable" and any(d["archived"] for d in docs):
            raise _invalid("An archived document cannot be enabled; un_archive it first.", "invalid_action")
        now = int(time.time())
        for doc in docs:
            if action == "enable":
                doc.update(enabled=True, disabled_at=None, disabled_by=None)
            elif action == "disable" and doc["enabled"]:
                doc.update(enabled=False, disabled_at=now, disabled_by="api")
            elif action in ("archive", "un_archive"):
                doc["archived"] = action == "archive"
            doc["display_status"] = (
                "archived" if doc["archived"] else "available" if doc["enabled"] else "disabled"
            )

    # -- child chunks ---------------------------------------------------------------------------------

    async def list_child_chunks(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        segment_id: str,
        *,
        page: int,
        limit: int,
        keyword: str | None,
    ) -> tuple[list[Json], int]:
        children = self._must_segment(workspace_id, dataset_id, document_id, segment_id)["child_chunks"]
        if keyword:
            children = [c for c in children if keyword.lower() in c["content"].lower()]
        return [dict(c) for c in children[(page - 1) * limit : page * limit]], len(children)

    async def create_child_chunk(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, content: str
    ) -> Json:
        segment = self._must_segment(workspace_id, dataset_id, document_id, segment_id)
        if not content.strip():
            raise _invalid("content is required")
        if self.documents[document_id]["doc_form"] != "hierarchical_model":
            raise _invalid("Child chunks exist only in parent-child (hierarchical_model) documents.")
        now = int(time.time())
        child = {
            "id": str(uuid.uuid4()),
            "segment_id": segment_id,
            "content": content.strip(),
            "position": 1 + max((c["position"] for c in segment["child_chunks"]), default=0),
            "word_count": len(content.strip()),
            "type": "customized",
            "created_at": now,
            "updated_at": now,
        }
        segment["child_chunks"].append(child)
        return dict(child)

    def _child(self, segment: Json, child_chunk_id: str) -> Json:
        found = next((c for c in segment["child_chunks"] if c["id"] == child_chunk_id), None)
        if found is None:
            raise _missing("Child chunk")
        return found

    async def update_child_chunk(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        segment_id: str,
        child_chunk_id: str,
        content: str,
    ) -> Json:
        child = self._child(
            self._must_segment(workspace_id, dataset_id, document_id, segment_id), child_chunk_id
        )
        if not content.strip():
            raise _invalid("content is required")
        child.update(content=content.strip(), word_count=len(content.strip()), type="customized")
        child["updated_at"] = int(time.time())
        return dict(child)

    async def delete_child_chunk(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, child_chunk_id: str
    ) -> None:
        segment = self._must_segment(workspace_id, dataset_id, document_id, segment_id)
        segment["child_chunks"].remove(self._child(segment, child_chunk_id))

    # -- metadata -------------------------------------------------------------------------------------

    def _fields(self, dataset: Json) -> list[Json]:
        return dataset.setdefault("_fields", [])

    async def list_metadata_fields(self, workspace_id: str, dataset_id: str) -> Json:
        dataset = self._must_dataset(workspace_id, dataset_id)
        docs = [d for d in self.documents.values() if d["_dataset"] == dataset_id]
        fields = [
            {**f, "count": sum(1 for d in docs if f["name"] in d.get("_values", {}))}
            for f in self._fields(dataset)
        ]
        return {"doc_metadata": fields, "built_in_field_enabled": dataset["built_in_field_enabled"]}

    def _check_name(self, dataset: Json, name: str, field_id: str = "") -> str:
        name = (name or "").strip()
        if not name or name in BUILT_IN_TYPES or not (name[0].isalpha() or name[0] == "_"):
            raise _invalid(f"Invalid metadata name {name!r}.")
        if not all(ch.isascii() and (ch.isalnum() or ch == "_") for ch in name) or len(name) > 64:
            raise _invalid(
                "Metadata names use letters, digits and _ (at most 64, not starting with a digit)."
            )
        if any(f["name"] == name and f["id"] != field_id for f in self._fields(dataset)):
            raise _invalid("Metadata name already exists.")
        return name

    async def create_metadata_field(self, workspace_id: str, dataset_id: str, type_: str, name: str) -> Json:
        dataset = self._must_dataset(workspace_id, dataset_id)
        name = self._check_name(dataset, name)
        if type_ not in _TYPES:
            raise _invalid(f"type must be one of {list(_TYPES)}")
        field = {"id": str(uuid.uuid4()), "name": name, "type": type_}
        self._fields(dataset).append(field)
        self._sync_fields(dataset)
        return {**field, "count": 0}

    def _field(self, dataset: Json, metadata_id: str) -> Json:
        found = next((f for f in self._fields(dataset) if f["id"] == metadata_id), None)
        if found is None:
            raise _missing("Metadata field")
        return found

    def _sync_fields(self, dataset: Json) -> None:
        """The dataset's ``doc_metadata`` and each document's list follow the fields and values."""
        dataset["doc_metadata"] = [dict(f) for f in self._fields(dataset)]
        for doc in self.documents.values():
            if doc["_dataset"] == dataset["id"]:
                values = doc.get("_values", {})
                doc["doc_metadata"] = [
                    {**f, "value": values[f["name"]]} for f in self._fields(dataset) if f["name"] in values
                ]

    async def update_metadata_field(
        self, workspace_id: str, dataset_id: str, metadata_id: str, name: str
    ) -> Json:
        dataset = self._must_dataset(workspace_id, dataset_id)
        field = self._field(dataset, metadata_id)
        name = self._check_name(dataset, name, field["id"])
        count = 0
        for doc in self.documents.values():
            values = doc.get("_values", {})
            if doc["_dataset"] == dataset_id and field["name"] in values:
                values[name] = values.pop(field["name"])
                count += 1
        field["name"] = name
        self._sync_fields(dataset)
        return {**field, "count": count}

    async def delete_metadata_field(self, workspace_id: str, dataset_id: str, metadata_id: str) -> None:
        dataset = self._must_dataset(workspace_id, dataset_id)
        field = self._field(dataset, metadata_id)
        self._fields(dataset).remove(field)
        for doc in self.documents.values():
            if doc["_dataset"] == dataset_id:
                doc.get("_values", {}).pop(field["name"], None)
        self._sync_fields(dataset)

    async def set_built_in_metadata(self, workspace_id: str, dataset_id: str, enabled: bool) -> None:
        self._must_dataset(workspace_id, dataset_id)["built_in_field_enabled"] = enabled

    async def update_documents_metadata(
        self, workspace_id: str, dataset_id: str, operations: list[Json]
    ) -> None:
        dataset = self._must_dataset(workspace_id, dataset_id)
        if not operations:
            raise _invalid("operation_data must not be empty")
        fields = {f["id"]: f for f in self._fields(dataset)}
        planned = []
        for op in operations:
            doc = self._document(workspace_id, dataset_id, str(op.get("document_id") or ""))
            if doc is None:
                raise _invalid(f"Document {op.get('document_id')!r} not found.")
            values: Json = {}
            for item in op.get("metadata_list") or []:
                field = fields.get(str(item.get("id") or ""))
                if field is None:
                    raise _invalid(f"Metadata field {item.get('id')!r} not found.")
                value = item.get("value")
                if value in (None, ""):
                    continue
                if field["type"] != "string":
                    try:
                        value = float(value)
                    except (TypeError, ValueError):
                        raise _invalid(
                            f"{field['name']!r} is a {field['type']} field; {value!r} is not a number."
                        ) from None
                    value = int(value) if field["type"] == "time" or value.is_integer() else value
                values[field["name"]] = value if field["type"] != "string" else str(value)
            planned.append((doc, values))
        for doc, values in planned:
            doc["_values"] = values
        self._sync_fields(dataset)

    # -- tags -----------------------------------------------------------------------------------------

    def _tag(self, workspace_id: str, tag_id: str) -> Json:
        tag = self.tags.get(tag_id)
        if tag is None or tag["_workspace"] != workspace_id:
            raise ApiError(404, "not_found", "Tag not found")
        return tag

    def _tag_view(self, tag: Json) -> Json:
        bound = sum(1 for d in self.datasets.values() if tag["id"] in d.get("_tags", ()))
        return {**self._public(tag), "binding_count": str(bound)}

    def _tag_name(self, workspace_id: str, name: str, tag_id: str = "") -> str:
        name = (name or "").strip()
        if not 1 <= len(name) <= 50:
            raise _invalid("Tag name must be 1 to 50 characters.")
        if any(
            t["name"] == name and t["_workspace"] == workspace_id and t["id"] != tag_id
            for t in self.tags.values()
        ):
            raise _invalid("Tag name already exists")
        return name

    async def list_tags(self, workspace_id: str) -> list[Json]:
        return [self._tag_view(t) for t in self.tags.values() if t["_workspace"] == workspace_id]

    async def create_tag(self, workspace_id: str, name: str) -> Json:
        tag = {
            "_workspace": workspace_id,
            "id": str(uuid.uuid4()),
            "name": self._tag_name(workspace_id, name),
        }
        tag["type"] = "knowledge"
        self.tags[tag["id"]] = tag
        return self._tag_view(tag)

    async def update_tag(self, workspace_id: str, tag_id: str, name: str) -> Json:
        tag = self._tag(workspace_id, tag_id)
        tag["name"] = self._tag_name(workspace_id, name, tag_id)
        return self._tag_view(tag)

    async def delete_tag(self, workspace_id: str, tag_id: str) -> None:
        self._tag(workspace_id, tag_id)
        del self.tags[tag_id]
        for dataset in self.datasets.values():
            dataset.get("_tags", set()).discard(tag_id)

    async def bind_tags(self, workspace_id: str, dataset_id: str, tag_ids: list[str]) -> None:
        dataset = self._must_dataset(workspace_id, dataset_id)
        if not tag_ids:
            raise _invalid("tag_ids must not be empty")
        mine = {t for t in tag_ids if t in self.tags and self.tags[t]["_workspace"] == workspace_id}
        dataset.setdefault("_tags", set()).update(mine)

    async def unbind_tags(self, workspace_id: str, dataset_id: str, tag_ids: list[str]) -> None:
        dataset = self._must_dataset(workspace_id, dataset_id)
        if not tag_ids:
            raise _invalid("tag_ids must not be empty")
        dataset.setdefault("_tags", set()).difference_update(tag_ids)

    async def dataset_tags(self, workspace_id: str, dataset_id: str) -> list[Json]:
        dataset = self._must_dataset(workspace_id, dataset_id)
        bound = [self.tags[t] for t in dataset.get("_tags", ()) if t in self.tags]
        return [{"id": t["id"], "name": t["name"]} for t in sorted(bound, key=lambda t: t["name"])]
