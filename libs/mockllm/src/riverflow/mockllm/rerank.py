"""A deterministic rerank model: Cohere/Jina-style ``POST /v1/rerank`` scored by word overlap.

The relevance of a document is the share of the query's distinct words it contains (lower-cased
``\\w+`` words), so ``"rivers of ice"`` scores ``"Glaciers are rivers of ice."`` 1.0 and
``"Rivers run to the sea."`` 0.33. Ties keep the input order. litellm's ``jina_ai`` provider (any
``api_base``), ``hosted_vllm`` (``api_base`` ending in ``/v1``) and ``cohere`` (``api_base`` ending in
``/v1/rerank``) all reach it.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from riverflow.mockllm.tokens import count_tokens

__all__ = ["relevance", "rerank_reply"]

_WORD = re.compile(r"\w+")


def _words(text: str) -> set[str]:
    return set(_WORD.findall(text.lower()))


def relevance(query: str, document: str) -> float:
    """Share of the query's distinct words found in ``document`` (0.0 to 1.0)."""
    wanted = _words(query)
    if not wanted:
        return 0.0
    return round(len(wanted & _words(document)) / len(wanted), 6)


def _text(document: Any) -> str:
    if isinstance(document, str):
        return document
    if isinstance(document, dict) and isinstance(document.get("text"), str):
        return str(document["text"])
    raise ValueError("each document must be a string or an object with a 'text' string")


def rerank_reply(body: dict[str, Any], default_model: str) -> dict[str, Any]:
    """The rerank response body for a request body; raises ``ValueError`` for a malformed request."""
    query, documents = body.get("query"), body.get("documents")
    if not isinstance(query, str) or not query.strip():
        raise ValueError("'query' must be a non-empty string")
    if not isinstance(documents, list):
        raise ValueError("'documents' must be a list")
    texts = [_text(d) for d in documents]
    top_n = body.get("top_n")
    if top_n is None:
        top_n = len(texts)
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise ValueError("'top_n' must be a positive integer")
    scores = [relevance(query, t) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: (-scores[i], i))[:top_n]
    with_documents = body.get("return_documents", True) is not False
    results = [
        {
            "index": i,
            "relevance_score": scores[i],
            **({"document": {"text": texts[i]}} if with_documents else {}),
        }
        for i in order
    ]
    tokens = count_tokens(query) * max(len(texts), 1) + sum(count_tokens(t) for t in texts)
    return {
        "id": "rerank-mock-" + hashlib.sha256("\0".join([query, *texts]).encode()).hexdigest()[:12],
        "model": str(body.get("model") or default_model),
        "results": results,
        "usage": {"total_tokens": tokens},
        "meta": {"billed_units": {"search_units": 1}},
    }
