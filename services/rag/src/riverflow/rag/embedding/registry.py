"""The ``Embedder`` of a dataset's (provider, model): local models by name, others through litellm."""

from __future__ import annotations

import re

from riverflow.rag.embedding.hashing import HashingEmbedder
from riverflow.rag.embedding.litellm_embedder import LiteLLMEmbedder
from riverflow.rag.embedding.minilm import MODEL_NAME, MiniLMEmbedder
from riverflow.rag.ports import Embedder

__all__ = ["EmbedderRegistry", "LOCAL_PROVIDER", "UnknownEmbeddingModel"]

#: The provider name of the models that run inside the rag service.
LOCAL_PROVIDER = "riverflow"
_HASHING = re.compile(r"^hashing-(\d{1,4})$")


class UnknownEmbeddingModel(ValueError):
    pass


class EmbedderRegistry:
    """One embedder instance per (provider, model), built on first use and shared."""

    def __init__(
        self,
        *,
        minilm_backend: str = "onnx",
        batch_size: int = 32,
        litellm_api_base: str | None = None,
        litellm_api_key: str | None = None,
        allow_litellm: bool = True,
    ) -> None:
        self._minilm_backend, self._batch_size = minilm_backend, batch_size
        self._api_base, self._api_key, self._allow_litellm = litellm_api_base, litellm_api_key, allow_litellm
        self._embedders: dict[tuple[str, str], Embedder] = {}

    def check(self, provider: str, model: str) -> None:
        """Raise ``UnknownEmbeddingModel`` for a pair this service cannot run (before any work is queued)."""
        provider = _short(provider)
        if provider == LOCAL_PROVIDER:
            if model != MODEL_NAME and not _HASHING.match(model):
                raise UnknownEmbeddingModel(
                    f"unknown local embedding model {model!r} (have {MODEL_NAME!r}, 'hashing-<dim>')"
                )
        elif not self._allow_litellm:
            raise UnknownEmbeddingModel(f"embedding provider {provider!r} is not enabled")
        elif not model:
            raise UnknownEmbeddingModel("embedding_model is required with a provider")

    def get(self, provider: str, model: str) -> Embedder:
        self.check(provider, model)
        key = (_short(provider), model)
        embedder = self._embedders.get(key)
        if embedder is None:
            if key[0] == LOCAL_PROVIDER:
                hashing = _HASHING.match(model)
                embedder = (
                    HashingEmbedder(int(hashing.group(1)))
                    if hashing
                    else MiniLMEmbedder(self._minilm_backend, batch_size=self._batch_size)  # type: ignore[arg-type]
                )
            else:
                embedder = LiteLLMEmbedder(f"{key[0]}/{model}", self._api_base, self._api_key)
            self._embedders[key] = embedder
        return embedder


def _short(provider: str) -> str:
    """Dify spells plugin providers ``langgenius/openai/openai``; litellm wants ``openai``."""
    return (provider or LOCAL_PROVIDER).rstrip("/").split("/")[-1]
