"""``VectorStore`` on Weaviate (weaviate-client v4): a collection per dataset, Weaviate's own BM25 and hybrid.

Weaviate has no transactions: ``replace_document`` writes the new chunks first and then deletes the
document's other chunks, so a reader may briefly see both versions but never none.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlparse

import weaviate
from riverflow.rag.fusion import relative_scores
from riverflow.rag.ports import ChunkHit, ChunkRecord, SearchRequest
from riverflow.rag.stores.weaviate_filters import PREFIX, property_value, to_weaviate
from weaviate.classes.config import Configure, DataType, Property, Tokenization, VectorDistances
from weaviate.classes.data import DataObject
from weaviate.classes.query import Filter, HybridFusion, MetadataQuery

__all__ = ["WeaviateStore", "collection_name"]

_NAMESPACE = uuid.UUID("6f1d3b8e-5a53-4d43-9a43-2b8f3d1f0e61")
_RETURN = ["chunk_id", "document_id", "segment_id", "text", "metadata_json"]


def collection_name(dataset_id: str) -> str:
    """Collection names must start with a capital letter and hold only letters, digits and _."""
    return "RfDataset_" + uuid.uuid5(_NAMESPACE, dataset_id).hex


class WeaviateStore:
    """Connect with ``await WeaviateStore.connect(url, grpc_port, api_key)``; close with ``close()``."""

    def __init__(self, client: weaviate.WeaviateAsyncClient) -> None:
        self._client = client
        self._known: dict[str, set[str]] = {}  # collection -> metadata properties it has

    @classmethod
    async def connect(cls, url: str, grpc_port: int = 50051, api_key: str | None = None) -> WeaviateStore:
        parsed = urlparse(url)
        secure = parsed.scheme == "https"
        client = weaviate.use_async_with_custom(
            http_host=parsed.hostname or "localhost",
            http_port=parsed.port or (443 if secure else 8080),
            http_secure=secure,
            grpc_host=parsed.hostname or "localhost",
            grpc_port=grpc_port,
            grpc_secure=secure,
            auth_credentials=weaviate.auth.AuthApiKey(api_key) if api_key else None,
        )
        await client.connect()
        return cls(client)

    async def _collection(self, dataset_id: str, create: bool = False) -> Any | None:
        name = collection_name(dataset_id)
        if name not in self._known:
            if not await self._client.collections.exists(name):
                if not create:
                    return None
                await self._client.collections.create(
                    name,
                    properties=[
                        Property(name="chunk_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
                        Property(name="dataset_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
                        Property(
                            name="document_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD
                        ),
                        Property(name="segment_id", data_type=DataType.TEXT, tokenization=Tokenization.FIELD),
                        Property(name="text", data_type=DataType.TEXT, tokenization=Tokenization.WORD),
                        Property(
                            name="keywords", data_type=DataType.TEXT_ARRAY, tokenization=Tokenization.WORD
                        ),
                        Property(
                            name="metadata_json",
                            data_type=DataType.TEXT,
                            skip_vectorization=True,
                            index_filterable=False,
                            index_searchable=False,
                        ),
                    ],
                    vector_config=Configure.Vectors.self_provided(
                        vector_index_config=Configure.VectorIndex.hnsw(distance_metric=VectorDistances.COSINE)
                    ),
                    inverted_index_config=Configure.inverted_index(index_null_state=True),
                )
            config = await self._client.collections.use(name).config.get()
            self._known[name] = {p.name for p in config.properties}
        return self._client.collections.use(name)

    async def _ensure_properties(self, collection: Any, records: Sequence[ChunkRecord]) -> None:
        known = self._known[collection.name]
        for r in records:
            for key, value in r.metadata.items():
                name = PREFIX + key
                if name in known:
                    continue
                kind = (
                    DataType.BOOL
                    if isinstance(value, bool)
                    else DataType.NUMBER
                    if isinstance(value, int | float)
                    else DataType.TEXT
                )
                await collection.config.add_property(
                    Property(
                        name=name,
                        data_type=kind,
                        tokenization=Tokenization.FIELD if kind == DataType.TEXT else None,
                    )
                )
                known.add(name)

    async def upsert(self, records: Sequence[ChunkRecord]) -> None:
        by_dataset: dict[str, list[ChunkRecord]] = {}
        for r in records:
            by_dataset.setdefault(r.dataset_id, []).append(r)
        for dataset_id, items in by_dataset.items():
            collection = await self._collection(dataset_id, create=True)
            await self._ensure_properties(collection, items)
            objects = [
                DataObject(
                    uuid=uuid.uuid5(_NAMESPACE, r.id),
                    vector=[float(x) for x in r.vector],
                    properties={
                        "chunk_id": r.id,
                        "dataset_id": r.dataset_id,
                        "document_id": r.document_id,
                        "segment_id": r.segment_id,
                        "text": r.text,
                        "keywords": list(r.keywords),
                        "metadata_json": json.dumps(dict(r.metadata)),
                        **{PREFIX + k: property_value(v) for k, v in r.metadata.items()},
                    },
                )
                for r in items
            ]
            result = await collection.data.insert_many(objects)
            if result.has_errors:
                raise RuntimeError(f"weaviate insert failed: {list(result.errors.values())[:3]}")

    async def replace_document(
        self, dataset_id: str, document_id: str, records: Sequence[ChunkRecord]
    ) -> None:
        await self.upsert(records)
        collection = await self._collection(dataset_id)
        if collection is None:
            return
        where = Filter.by_property("document_id").equal(document_id)
        keep = [r.id for r in records]
        if keep:
            where = where & Filter.by_property("chunk_id").contains_none(keep)
        await collection.data.delete_many(where=where)

    async def delete_chunks(self, dataset_id: str, ids: Sequence[str]) -> None:
        collection = await self._collection(dataset_id)
        if collection is not None and ids:
            await collection.data.delete_many(where=Filter.by_property("chunk_id").contains_any(list(ids)))

    async def delete_document(self, dataset_id: str, document_id: str) -> None:
        collection = await self._collection(dataset_id)
        if collection is not None:
            await collection.data.delete_many(where=Filter.by_property("document_id").equal(document_id))

    async def delete_dataset(self, dataset_id: str) -> None:
        name = collection_name(dataset_id)
        self._known.pop(name, None)
        await self._client.collections.delete(name)

    async def count(self, dataset_id: str, document_id: str | None = None) -> int:
        collection = await self._collection(dataset_id)
        if collection is None:
            return 0
        where = Filter.by_property("document_id").equal(document_id) if document_id is not None else None
        result = await collection.aggregate.over_all(total_count=True, filters=where)
        return int(result.total_count or 0)

    async def _each(self, request: SearchRequest, run: Any, scale: Any) -> list[ChunkHit]:
        hits: list[ChunkHit] = []
        for dataset_id in dict.fromkeys(request.dataset_ids):
            collection = await self._collection(dataset_id)
            if collection is None:
                continue
            response = await run(collection, to_weaviate(request.filter))
            hits.extend(scale(_hit(dataset_id, o) for o in response.objects))
        hits.sort(key=lambda h: -h.score)
        return hits[: request.top_k]

    async def vector_search(self, request: SearchRequest) -> list[ChunkHit]:
        if request.vector is None or request.top_k <= 0:
            return []
        vector = [float(x) for x in request.vector]
        return await self._each(
            request,
            lambda c, f: c.query.near_vector(
                near_vector=vector,
                limit=request.top_k,
                filters=f,
                return_properties=_RETURN,
                return_metadata=MetadataQuery(distance=True),
            ),
            list,
        )

    async def _bm25(self, request: SearchRequest, field: str) -> list[ChunkHit]:
        if not request.text.strip() or request.top_k <= 0:
            return []
        return await self._each(
            request,
            lambda c, f: c.query.bm25(
                query=request.text,
                query_properties=[field],
                limit=request.top_k,
                filters=f,
                return_properties=_RETURN,
                return_metadata=MetadataQuery(score=True),
            ),
            lambda hits: relative_scores(list(hits)),
        )

    async def text_search(self, request: SearchRequest) -> list[ChunkHit]:
        return await self._bm25(request, "text")

    async def keyword_search(self, request: SearchRequest) -> list[ChunkHit]:
        return await self._bm25(request, "keywords")

    async def hybrid_search(self, request: SearchRequest) -> list[ChunkHit]:
        if request.top_k <= 0:
            return []
        fusion = (
            HybridFusion.RANKED if request.fusion == "reciprocal_rank_fusion" else HybridFusion.RELATIVE_SCORE
        )
        vector = [float(x) for x in request.vector] if request.vector is not None else None
        return await self._each(
            request,
            lambda c, f: c.query.hybrid(
                query=request.text or None,
                vector=vector,
                alpha=request.vector_weight,
                fusion_type=fusion,
                query_properties=["text"],
                limit=request.top_k,
                filters=f,
                return_properties=_RETURN,
                return_metadata=MetadataQuery(score=True),
            ),
            list,
        )

    async def close(self) -> None:
        await self._client.close()


def _hit(dataset_id: str, obj: Any) -> ChunkHit:
    props, meta = obj.properties, obj.metadata
    if meta.distance is not None:
        score = max(1.0 - float(meta.distance), 0.0)
    else:
        score = float(meta.score or 0.0)
    return ChunkHit(
        id=str(props["chunk_id"]),
        dataset_id=dataset_id,
        document_id=str(props["document_id"]),
        segment_id=str(props["segment_id"]),
        text=str(props["text"]),
        score=score,
        metadata=json.loads(props.get("metadata_json") or "{}"),
    )
