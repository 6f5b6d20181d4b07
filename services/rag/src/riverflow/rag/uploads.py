"""``UploadStore`` adapters: in memory (reference) and the JetStream object store (shared by all replicas)."""

from __future__ import annotations

from nats.js import JetStreamContext
from nats.js.api import ObjectStoreConfig, StorageType
from nats.js.errors import NotFoundError
from riverflow.contracts import rag_subjects

__all__ = ["InMemoryUploadStore", "ObjectStoreUploads"]


class InMemoryUploadStore:
    def __init__(self) -> None:
        self._data: dict[str, bytes] = {}

    async def put(self, key: str, data: bytes) -> None:
        self._data[key] = bytes(data)

    async def get(self, key: str) -> bytes | None:
        return self._data.get(key)

    async def delete(self, key: str) -> None:
        self._data.pop(key, None)


class ObjectStoreUploads:
    """Files in the ``rf_rag_uploads`` bucket, keyed by document id; created on first use."""

    def __init__(self, js: JetStreamContext, bucket: str = rag_subjects.UPLOADS_BUCKET) -> None:
        self._js, self._bucket = js, bucket
        self._store = None

    async def _obs(self):  # noqa: ANN202 (nats-py's ObjectStore)
        if self._store is None:
            try:
                self._store = await self._js.object_store(self._bucket)
            except NotFoundError:
                self._store = await self._js.create_object_store(
                    self._bucket,
                    ObjectStoreConfig(
                        description="Uploaded documents awaiting or kept for ingestion.",
                        storage=StorageType.FILE,
                    ),
                )
        return self._store

    async def put(self, key: str, data: bytes) -> None:
        await (await self._obs()).put(key, data)

    async def get(self, key: str) -> bytes | None:
        try:
            result = await (await self._obs()).get(key)
        except NotFoundError:
            return None
        return result.data

    async def delete(self, key: str) -> None:
        try:
            await (await self._obs()).delete(key)
        except NotFoundError:
            pass
