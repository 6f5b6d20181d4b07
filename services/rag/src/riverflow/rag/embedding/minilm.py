"""The local default embedder: all-MiniLM-L6-v2 from the bundled weights, batched, on onnxruntime (or numpy).

Measured here (bench/README.md): onnxruntime runs the same graph 3-4x faster than the numpy pass and
their outputs agree to 1.5e-7, so onnxruntime is the default and numpy the fallback.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Literal, Protocol

import numpy as np
from riverflow.rag.embedding.micro_batch import MicroBatcher
from riverflow.rag.embedding.minilm_weights import load_tokenizer, load_weights

__all__ = ["MiniLMEmbedder", "MODEL_NAME"]

MODEL_NAME = "all-MiniLM-L6-v2"


class _Forward(Protocol):
    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray: ...


class MiniLMEmbedder:
    """384-d sentence embeddings; inputs longer than ``max_tokens`` (the model's 256) are truncated.

    The model loads on first use (about 2 s), in a worker thread; inference runs there too, so the
    event loop never blocks.
    """

    def __init__(
        self,
        backend: Literal["onnx", "numpy"] = "onnx",
        batch_size: int = 32,
        max_tokens: int = 256,
        threads: int = 0,
    ) -> None:
        self._backend, self._batch_size, self._max_tokens, self._threads = (
            backend,
            batch_size,
            max_tokens,
            threads,
        )
        self._model: _Forward | None = None
        self._load_lock = threading.Lock()
        # Documents ingested concurrently share forward passes (one small document is one or two chunks).
        self._batcher = MicroBatcher(self.embed, max_batch=batch_size * 2)

    @property
    def dimension(self) -> int:
        return 384

    def _forward_model(self) -> _Forward:
        with self._load_lock:
            if self._model is None:
                weights = load_weights()
                if self._backend == "onnx":
                    from riverflow.rag.embedding.minilm_onnx import OnnxMiniLM

                    self._model = OnnxMiniLM(weights, self._threads)
                else:
                    from riverflow.rag.embedding.minilm_numpy import NumpyMiniLM

                    self._model = NumpyMiniLM(weights)
            return self._model

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Unit vectors, one row per text, in the input order."""
        model = self._forward_model()
        tokenizer = load_tokenizer(self._max_tokens)
        out = np.zeros((len(texts), self.dimension), dtype=np.float32)
        # Similar lengths per batch keep padding (wasted compute) small.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            encodings = tokenizer.encode_batch([texts[i] for i in rows])
            length = max(len(e.ids) for e in encodings)
            ids = np.zeros((len(rows), length), dtype=np.int64)
            mask = np.zeros_like(ids)
            for j, e in enumerate(encodings):
                ids[j, : len(e.ids)] = e.ids
                mask[j, : len(e.ids)] = 1
            out[rows] = model.forward(ids, mask)
        return out

    async def warm_up(self) -> None:
        await asyncio.to_thread(self._forward_model)

    async def embed_documents(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        return (await self._batcher.embed(list(texts))).tolist()

    async def embed_query(self, text: str) -> list[float]:
        return (await asyncio.to_thread(self.embed, [text]))[0].tolist()
