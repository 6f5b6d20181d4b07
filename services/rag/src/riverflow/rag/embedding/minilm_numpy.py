"""A numpy forward pass of all-MiniLM-L6-v2 (BERT encoder, mean pooling, L2 normalisation)."""

from __future__ import annotations

import numpy as np
from riverflow.rag.embedding.minilm_weights import MiniLMWeights

__all__ = ["NumpyMiniLM"]

# Abramowitz & Stegun 7.1.26 (|error| < 1.5e-7): numpy has no erf, and BERT's GELU is the exact erf form.
_P, _A = 0.3275911, (0.254829592, -0.284496736, 1.421413741, -1.453152027, 1.061405429)


def _erf(x: np.ndarray) -> np.ndarray:
    sign = np.sign(x)
    x = np.abs(x)
    t = 1.0 / (1.0 + _P * x)
    poly = t * (_A[0] + t * (_A[1] + t * (_A[2] + t * (_A[3] + t * _A[4]))))
    return sign * (1.0 - poly * np.exp(-x * x))


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class NumpyMiniLM:
    """``forward(ids, mask) -> (batch, 384)`` unit vectors; float32 throughout."""

    def __init__(self, weights: MiniLMWeights) -> None:
        self._w = weights

    def forward(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        w, eps = self._w, self._w.eps
        batch, length = input_ids.shape
        heads, size = w.heads, w.hidden // w.heads
        x = (
            w["embeddings.word_embeddings.weight"][input_ids]
            + w["embeddings.position_embeddings.weight"][:length]
            + w["embeddings.token_type_embeddings.weight"][0]
        )
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        mask = attention_mask.astype(np.float32)
        # Padding keys get a large negative bias so softmax gives them ~0 weight.
        bias = ((1.0 - mask) * np.float32(-1e9))[:, None, None, :]
        scale = np.float32(1.0 / np.sqrt(size))
        for i in range(w.layers):
            p = f"encoder.layer.{i}."

            def project(name: str, x: np.ndarray = x, p: str = p) -> np.ndarray:
                out = x @ w[f"{p}attention.self.{name}.weight"] + w[f"{p}attention.self.{name}.bias"]
                return out.reshape(batch, length, heads, size).transpose(0, 2, 1, 3)

            q, k, v = project("query"), project("key"), project("value")
            scores = (q @ k.transpose(0, 1, 3, 2)) * scale + bias
            scores = np.exp(scores - scores.max(axis=-1, keepdims=True))
            probs = scores / scores.sum(axis=-1, keepdims=True)
            context = (probs @ v).transpose(0, 2, 1, 3).reshape(batch, length, w.hidden)
            attn = context @ w[f"{p}attention.output.dense.weight"] + w[f"{p}attention.output.dense.bias"]
            x = _layer_norm(
                x + attn,
                w[f"{p}attention.output.LayerNorm.weight"],
                w[f"{p}attention.output.LayerNorm.bias"],
                eps,
            )
            h = x @ w[f"{p}intermediate.dense.weight"] + w[f"{p}intermediate.dense.bias"]
            h = (0.5 * h * (1.0 + _erf(h * np.float32(1 / np.sqrt(2.0))))).astype(np.float32)
            out = h @ w[f"{p}output.dense.weight"] + w[f"{p}output.dense.bias"]
            x = _layer_norm(x + out, w[f"{p}output.LayerNorm.weight"], w[f"{p}output.LayerNorm.bias"], eps)
        pooled = (x * mask[:, :, None]).sum(axis=1) / np.maximum(mask.sum(axis=1, keepdims=True), 1e-9)
        norms = np.linalg.norm(pooled, axis=1, keepdims=True)
        return (pooled / np.maximum(norms, 1e-12)).astype(np.float32)
