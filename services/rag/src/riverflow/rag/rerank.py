"""Reranking through any litellm rerank model (``<provider>/<model>``), imported only when a request asks.

No local cross-encoder ships offline (flashrank downloads its model from a hub at run time), so a
rerank model is always reached through litellm: Cohere, Jina, a vLLM/Infinity server, or the
project's mock (``riverflow mockllm`` serves ``/v1/rerank``).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

__all__ = ["LiteLLMReranker"]

#: Dify's provider names where litellm's differ (Dify "langgenius/jina/jina" is litellm "jina_ai").
_LITELLM_PROVIDERS = {"jina": "jina_ai"}


class LiteLLMReranker:
    def __init__(
        self, provider: str, model: str, api_base: str | None = None, api_key: str | None = None
    ) -> None:
        short = (provider or "").rstrip("/").split("/")[-1]
        short = _LITELLM_PROVIDERS.get(short, short)
        self._model = f"{short}/{model}" if short else model
        self._api_base, self._api_key = api_base, api_key

    async def rerank(self, query: str, documents: Sequence[str], top_n: int) -> list[tuple[int, float]]:
        os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
        os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
        import litellm

        kwargs: dict[str, Any] = {
            "model": self._model,
            "query": query,
            "documents": list(documents),
            "top_n": top_n,
        }
        if self._api_base:
            kwargs["api_base"] = self._api_base
        if self._api_key:
            kwargs["api_key"] = self._api_key
        response = await litellm.arerank(**kwargs)
        results = response.results if hasattr(response, "results") else response["results"]
        pairs = [(int(r["index"]), float(r["relevance_score"])) for r in results]
        pairs.sort(key=lambda p: -p[1])
        return pairs
