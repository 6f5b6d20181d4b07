"""Deterministic stand-ins for a tokenizer and an embedding model (no weights, no randomness)."""

from __future__ import annotations

import hashlib
import math
import re
import struct
from typing import Any

__all__ = ["split_tokens", "count_tokens", "message_text", "prompt_tokens", "embed"]

# A token is a run of non-space characters with the whitespace before it, so "".join(tokens) == text.
_TOKEN = re.compile(r"\s*\S+|\s+$")


def split_tokens(text: str) -> list[str]:
    """Split ``text`` into word tokens whose concatenation is ``text`` exactly."""
    return _TOKEN.findall(text or "")


def count_tokens(text: str) -> int:
    return len(text.split()) if text else 0


def message_text(content: Any) -> str:
    """The text of an OpenAI message ``content`` (a string or a list of typed parts)."""
    if content is None:
        return ""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return " ".join(
            str(p.get("text", "")) for p in content if isinstance(p, dict) and p.get("type") == "text"
        )
    return str(content)


def prompt_tokens(messages: list[dict[str, Any]]) -> int:
    """Words of every message, plus one per message for its role (like real chat formats' overhead)."""
    total = 0
    for message in messages:
        total += 1 + count_tokens(message_text(message.get("content")))
        for call in message.get("tool_calls") or []:
            total += count_tokens(str((call.get("function") or {}).get("arguments", "")))
    return total


def embed(text: str, dimensions: int) -> list[float]:
    """A unit vector derived from sha256 of ``text``: equal texts embed equally, others differ."""
    values: list[float] = []
    counter = 0
    while len(values) < dimensions:
        digest = hashlib.sha256(f"{counter}:{text}".encode()).digest()
        values.extend(v / 2**31 - 1.0 for v in struct.unpack("<8I", digest))
        counter += 1
    vector = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in vector)) or 1.0
    return [v / norm for v in vector]
