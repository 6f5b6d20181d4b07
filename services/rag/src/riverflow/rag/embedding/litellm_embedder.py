"""Any litellm embedding model (``<provider>/<model>``), imported only when a dataset asks for one."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

__all__ = ["LiteLLMEmbedder"]


class LiteLLMEmbedder:
    """Calls ``litellm.aembedding`` in batches; the dimension is learnt from the first answer."""

    def __init__(
        self, model: str, api_base: str | None = None, api_key: str | None = None, batch_size: int = 64
    ) -> None:
        self._model, self._api_base, self._api_key, self._batch_size = model, api_base, api_key, batch_size
        self._dimension = 0

    @property
    def dimension(self) -> int:
        return self._dimension

    async def _call(self, texts: list[str]) -> list[list[float]]:
        # No network at import and no remote cost map: the platform runs offline by default.
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
        import litellm

        kwargs: dict[str, Any] = {"model": self._model, "input": texts}
        if self._api_base:
            kwargs["api_base"] = self._api_base
        if self._api_key:
            kwargs["api_key"] = self._api_key
        response = await litellm.aembedding(**kwargs)
        rows = sorted(response.data, key=lambda d: d["index"] if isinstance(d, dict) else d.index)
        vectors = [list(map(float, d["embedding"] if isinstance(d, dict) else d.embedding)) for d in rows]
        if vectors:
            self._dimension = len(vectors[0])
        return vectors

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        out: list[list[float]] = []
        for start in range(0, len(texts), self._batch_size):
            out.extend(await self._call(list(texts[start : start + self._batch_size])))
        return out

    async def embed_query(self, text: str) -> list[float]:
        return (await self._call([text]))[0]
