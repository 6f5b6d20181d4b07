"""``KnowledgeBackend`` in memory: the reference the rag service's gRPC adapter is checked against.

Documents are split and "indexed" synchronously (paragraphs, then ``max_tokens`` characters);
retrieval scores segments by the share of query words they contain. Good enough to exercise every
Knowledge API route; real indexing and embeddings are the rag service's.
"""

from __future__ import annotations

import hashlib
import re
import time
import uuid
from typing import Any

from riverflow.gateway.adapters.knowledge_objects import (
    built_in_metadata,
    default_retrieval_model,
    indexing_row,
    new_dataset,
    new_document,
    new_segment,
)
from riverflow.gateway.adapters.memory_knowledge_curation import InMemoryCuration
from riverflow.gateway.errors import ApiError
from riverflow.gateway.knowledge_port import DocumentFile

__all__ = ["InMemoryKnowledge", "split_text"]

_TEXT_SUFFIXES = (".txt", ".md", ".markdown", ".csv", ".json", ".html", ".htm")
_WORD = re.compile(r"\w+", re.UNICODE)
_DATASET_FIELDS = (
    "name",
    "description",
    "indexing_technique",
    "permission",
    "provider",
    "embedding_model",
    "embedding_model_provider",
    "retrieval_model",
    "external_knowledge_api_id",
    "external_knowledge_id",
)


def split_text(text: str, max_chars: int = 500, separator: str = "\n\n") -> list[str]:
    """Non-empty chunks: split on ``separator``, then cut pieces longer than ``max_chars``."""
    chunks = []
    for piece in text.split(separator or "\n\n"):
        piece = piece.strip()
        while len(piece) > max_chars:
            chunks.append(piece[:max_chars])
            piece = piece[max_chars:].strip()
        if piece:
            chunks.append(piece)
    return chunks


def _page(items: list[dict[str, Any]], page: int, limit: int) -> tuple[list[dict[str, Any]], int]:
    return items[(page - 1) * limit : page * limit], len(items)


class InMemoryKnowledge(InMemoryCuration):
    def __init__(self) -> None:
        self.datasets: dict[str, dict[str, Any]] = {}  # id -> dataset (with "_workspace", "_tags")
        self.documents: dict[str, dict[str, Any]] = {}  # id -> document (with "_dataset", "_batch")
        self.segments: dict[str, dict[str, Any]] = {}  # id -> segment (with "_dataset")
        self.tags: dict[str, dict[str, Any]] = {}  # id -> tag (with "_workspace")

    # -- datasets -------------------------------------------------------------------------------

    def _dataset(self, workspace_id: str, dataset_id: str) -> dict[str, Any] | None:
        found = self.datasets.get(dataset_id)
        return found if found is not None and found["_workspace"] == workspace_id else None

    def _public(self, record: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in record.items() if not k.startswith("_")}

    def _document_view(self, document: dict[str, Any]) -> dict[str, Any]:
        """The document as the API shows it: Dify's built-in metadata added when its dataset enables it."""
        view = self._public(document)
        if self.datasets[document["_dataset"]].get("built_in_field_enabled"):
            view["doc_metadata"] = [*(view.get("doc_metadata") or []), *built_in_metadata(document)]
        return view

    def _dataset_view(self, dataset: dict[str, Any]) -> dict[str, Any]:
        docs = [d for d in self.documents.values() if d["_dataset"] == dataset["id"]]
        view = self._public(dataset)
        view["document_count"] = len(docs)
        view["total_documents"] = len(docs)
        view["total_available_documents"] = sum(1 for d in docs if d["enabled"] and not d["archived"])
        view["word_count"] = sum(int(d["word_count"] or 0) for d in docs)
        bound = [self.tags[t] for t in dataset.get("_tags", ()) if t in self.tags]
        view["tags"] = [{"id": t["id"], "name": t["name"], "type": t["type"]} for t in bound]
        return view

    async def create_dataset(self, workspace_id: str, fields: dict[str, Any]) -> dict[str, Any]:
        name = str(fields.get("name") or "").strip()
        if any(d["name"] == name and d["_workspace"] == workspace_id for d in self.datasets.values()):
            raise ApiError(
                409,
                "dataset_name_duplicate",
                "The dataset name already exists. Please modify your dataset name.",
            )
        now = int(time.time())
        dataset = new_dataset(workspace_id, name, fields, now)
        self.datasets[dataset["id"]] = dataset
        return self._dataset_view(dataset)

    async def list_datasets(
        self,
        workspace_id: str,
        *,
        page: int,
        limit: int,
        keyword: str | None,
        tag_ids: list[str] | None = None,
    ) -> tuple[list[dict[str, Any]], int]:
        mine = [d for d in self.datasets.values() if d["_workspace"] == workspace_id]
        if tag_ids:
            mine = [d for d in mine if set(tag_ids) & d.get("_tags", set())]
        if keyword:
            mine = [d for d in mine if keyword.lower() in d["name"].lower()]
        mine.sort(key=lambda d: (-d["created_at"], d["id"]))
        return _page([self._dataset_view(d) for d in mine], page, limit)

    async def get_dataset(self, workspace_id: str, dataset_id: str) -> dict[str, Any] | None:
        dataset = self._dataset(workspace_id, dataset_id)
        return None if dataset is None else self._dataset_view(dataset)

    async def update_dataset(
        self, workspace_id: str, dataset_id: str, fields: dict[str, Any]
    ) -> dict[str, Any] | None:
        dataset = self._dataset(workspace_id, dataset_id)
        if dataset is None:
            return None
        name = fields.get("name")
        if name and any(
            d["name"] == name and d["_workspace"] == workspace_id and d["id"] != dataset_id
            for d in self.datasets.values()
        ):
            raise ApiError(
                409,
                "dataset_name_duplicate",
                "The dataset name already exists. Please modify your dataset name.",
            )
        for key in _DATASET_FIELDS:
            if fields.get(key) is not None:
                dataset["retrieval_model_dict" if key == "retrieval_model" else key] = fields[key]
        dataset["retrieval_model"] = dataset["retrieval_model_dict"]
        dataset["updated_at"] = int(time.time())
        return self._dataset_view(dataset)

    async def delete_dataset(self, workspace_id: str, dataset_id: str) -> bool:
        if self._dataset(workspace_id, dataset_id) is None:
            return False
        del self.datasets[dataset_id]
        for doc_id in [d["id"] for d in self.documents.values() if d["_dataset"] == dataset_id]:
            del self.documents[doc_id]
        for seg_id in [s["id"] for s in self.segments.values() if s["_dataset"] == dataset_id]:
            del self.segments[seg_id]
        return True

    # -- documents ------------------------------------------------------------------------------

    def _document(self, workspace_id: str, dataset_id: str, document_id: str) -> dict[str, Any] | None:
        if self._dataset(workspace_id, dataset_id) is None:
            return None
        found = self.documents.get(document_id)
        return found if found is not None and found["_dataset"] == dataset_id else None

    async def create_document(
        self,
        workspace_id: str,
        dataset_id: str,
        *,
        name: str,
        config: dict[str, Any],
        text: str | None = None,
        file: DocumentFile | None = None,
    ) -> dict[str, Any] | None:
        dataset = self._dataset(workspace_id, dataset_id)
        if dataset is None:
            return None
        if file is not None:
            text = self._decode(file)
        text = text or ""
        technique = config.get("indexing_technique") or dataset.get("indexing_technique")
        if not technique:
            raise ApiError(
                400, "invalid_param", "indexing_technique is required.", params="indexing_technique"
            )
        doc_form = config.get("doc_form") or dataset.get("doc_form") or "text_model"
        if dataset.get("doc_form") and doc_form != dataset["doc_form"]:  # as the rag service refuses it
            raise ApiError(
                400,
                "invalid_param",
                f"doc_form must be the dataset's ({dataset['doc_form']!r})",
                params="doc_form",
            )
        dataset["indexing_technique"] = technique
        dataset["doc_form"], dataset["data_source_type"] = doc_form, "upload_file"
        now = int(time.time())
        position = 1 + sum(1 for d in self.documents.values() if d["_dataset"] == dataset_id)
        document = new_document(dataset_id, name, len(text), doc_form, position, now)
        self.documents[document["id"]] = document
        self._index_text(dataset, document, text, config)
        return {"document": self._document_view(document), "batch": document["_batch"]}

    def _decode(self, file: DocumentFile) -> str:
        if not file.filename.lower().endswith(_TEXT_SUFFIXES):
            raise ApiError(415, "unsupported_file_type", "This backend indexes text files only.")
        try:
            return file.content.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise ApiError(415, "unsupported_file_type", "The file is not UTF-8 text.") from None

    def _index_text(self, dataset: dict[str, Any], document: dict[str, Any], text: str, config: dict) -> None:
        """Split ``text`` into the document's segments ("indexing" at once)."""
        all_rules = (config.get("process_rule") or {}).get("rules") or {}
        rules = all_rules.get("segmentation") or {}
        pieces = split_text(text, int(rules.get("max_tokens") or 500), str(rules.get("separator") or "\n\n"))
        created = self._add_segments(dataset["id"], document, [{"content": p} for p in pieces])
        if document["doc_form"] == "hierarchical_model":  # parent-child: each chunk gets its children
            sub = all_rules.get("subchunk_segmentation") or {}
            now = int(time.time())
            for view in created:
                parent = self.segments[view["id"]]
                texts = split_text(
                    parent["content"], int(sub.get("max_tokens") or 512), sub.get("separator") or "\n"
                )
                parent["child_chunks"] = [
                    {
                        "id": str(uuid.uuid4()),
                        "segment_id": parent["id"],
                        "content": t,
                        "position": i,
                        "word_count": len(t),
                        "type": "automatic",
                        "created_at": now,
                        "updated_at": now,
                    }
                    for i, t in enumerate(texts, start=1)
                ]

    def _add_segments(
        self, dataset_id: str, document: dict[str, Any], items: list[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        now = int(time.time())
        start = 1 + sum(1 for s in self.segments.values() if s["document_id"] == document["id"])
        created = []
        for offset, item in enumerate(items):
            segment = new_segment(dataset_id, document["id"], start + offset, item, now)
            self.segments[segment["id"]] = segment
            created.append(self._public(segment))
        document["word_count"] = sum(
            s["word_count"] for s in self.segments.values() if s["document_id"] == document["id"]
        )
        return created

    async def list_documents(
        self, workspace_id: str, dataset_id: str, *, page: int, limit: int, keyword: str | None
    ) -> tuple[list[dict[str, Any]], int] | None:
        if self._dataset(workspace_id, dataset_id) is None:
            return None
        mine = [d for d in self.documents.values() if d["_dataset"] == dataset_id]
        if keyword:
            mine = [d for d in mine if keyword.lower() in d["name"].lower()]
        mine.sort(key=lambda d: -d["position"])
        return _page([self._document_view(d) for d in mine], page, limit)

    async def indexing_status(
        self, workspace_id: str, dataset_id: str, batch: str
    ) -> list[dict[str, Any]] | None:
        if self._dataset(workspace_id, dataset_id) is None:
            return None
        found = []
        for doc in self.documents.values():
            if doc["_dataset"] == dataset_id and doc["_batch"] == batch:
                segments = [s for s in self.segments.values() if s["document_id"] == doc["id"]]
                found.append(indexing_row(doc, len(segments)))
        return found

    async def delete_document(self, workspace_id: str, dataset_id: str, document_id: str) -> bool:
        if self._document(workspace_id, dataset_id, document_id) is None:
            return False
        del self.documents[document_id]
        for seg_id in [s["id"] for s in self.segments.values() if s["document_id"] == document_id]:
            del self.segments[seg_id]
        return True

    # -- segments -------------------------------------------------------------------------------

    async def create_segments(
        self, workspace_id: str, dataset_id: str, document_id: str, segments: list[dict[str, Any]]
    ) -> list[dict[str, Any]] | None:
        document = self._document(workspace_id, dataset_id, document_id)
        if document is None or not document["enabled"] or document["indexing_status"] != "completed":
            return None
        return self._add_segments(dataset_id, document, segments)

    async def list_segments(
        self,
        workspace_id: str,
        dataset_id: str,
        document_id: str,
        *,
        page: int,
        limit: int,
        keyword: str | None,
    ) -> tuple[list[dict[str, Any]], int] | None:
        if self._document(workspace_id, dataset_id, document_id) is None:
            return None
        mine = [s for s in self.segments.values() if s["document_id"] == document_id]
        if keyword:
            mine = [s for s in mine if keyword.lower() in s["content"].lower()]
        mine.sort(key=lambda s: s["position"])
        return _page([self._public(s) for s in mine], page, limit)

    def _segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> dict[str, Any] | None:
        if self._document(workspace_id, dataset_id, document_id) is None:
            return None
        found = self.segments.get(segment_id)
        return found if found is not None and found["document_id"] == document_id else None

    async def update_segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str, fields: dict[str, Any]
    ) -> dict[str, Any] | None:
        segment = self._segment(workspace_id, dataset_id, document_id, segment_id)
        if segment is None:
            return None
        for key in ("content", "answer", "keywords", "enabled", "summary"):
            if fields.get(key) is not None:
                segment[key] = fields[key]
        segment["sign_content"], segment["word_count"] = segment["content"], len(segment["content"])
        segment["index_node_hash"] = hashlib.sha256(segment["content"].encode()).hexdigest()
        segment["updated_at"] = int(time.time())
        return self._public(segment)

    async def delete_segment(
        self, workspace_id: str, dataset_id: str, document_id: str, segment_id: str
    ) -> bool:
        if self._segment(workspace_id, dataset_id, document_id, segment_id) is None:
            return False
        del self.segments[segment_id]
        return True

    # -- retrieval --------------------------------------------------------------------------------

    async def retrieve(
        self, workspace_id: str, dataset_id: str, query: str, retrieval_model: dict[str, Any] | None
    ) -> list[dict[str, Any]] | None:
        dataset = self._dataset(workspace_id, dataset_id)
        if dataset is None:
            return None
        model = {
            **default_retrieval_model(),
            **(dataset.get("retrieval_model_dict") or {}),
            **(retrieval_model or {}),
        }
        words = {w.lower() for w in _WORD.findall(query)}
        scored = []
        for segment in self.segments.values():
            document = self.documents[segment["document_id"]]
            if segment["_dataset"] != dataset_id or not segment["enabled"]:
                continue
            if not document["enabled"] or document["archived"]:
                continue
            found = {w.lower() for w in _WORD.findall(segment["content"])}
            score = len(words & found) / len(words) if words else 0.0
            if score > 0:
                scored.append((score, segment))
        scored.sort(key=lambda pair: (-pair[0], pair[1]["position"]))
        if model.get("score_threshold_enabled") and model.get("score_threshold") is not None:
            scored = [p for p in scored if p[0] >= float(model["score_threshold"])]
        records = []
        for score, segment in scored[: int(model.get("top_k") or 2)]:
            segment["hit_count"] += 1
            document = self.documents[segment["document_id"]]
            view = self._public(segment)
            view["document"] = {
                "id": document["id"],
                "data_source_type": document["data_source_type"],
                "name": document["name"],
                "doc_type": None,
                "doc_metadata": None,
            }
            records.append(
                {
                    "segment": view,
                    "child_chunks": [],
                    "score": round(score, 6),
                    "tsne_position": None,
                    "files": [],
                    "summary": None,
                }
            )
        return records
