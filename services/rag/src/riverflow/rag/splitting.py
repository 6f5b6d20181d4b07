"""Dify's chunking: general (fixed separator, then token-bounded recursive splits) and parent-child.

Token counts come from the embedding model's own tokenizer (all-MiniLM-L6-v2's WordPiece), without
the [CLS]/[SEP] markers; the recursive split is semantic-text-splitter's (sentences, then words).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from semantic_text_splitter import TextSplitter
from tokenizers import Tokenizer

__all__ = [
    "Segmentation",
    "SplitChunk",
    "TextChunker",
    "AUTOMATIC",
    "PARENT_DEFAULT",
    "CHILD_DEFAULT",
    "MAX_SEGMENT_TOKENS",
    "FULL_DOC_MAX_TOKENS",
]

#: Dify's INDEXING_MAX_SEGMENTATION_TOKENS_LENGTH.
MAX_SEGMENT_TOKENS = 4000
#: Dify cuts a "full-doc" parent at 10,000 tokens.
FULL_DOC_MAX_TOKENS = 10_000


@dataclass(frozen=True)
class Segmentation:
    separator: str = "\n"
    max_tokens: int = 500
    chunk_overlap: int = 50

    def validated(self) -> Segmentation:
        """Unescape the separator as Dify does and check the bounds (``ValueError`` names the field)."""
        separator = (self.separator or "\n").replace("\\n", "\n").replace("\\t", "\t")
        if not 1 <= self.max_tokens <= MAX_SEGMENT_TOKENS:
            raise ValueError(f"segmentation.max_tokens must be between 1 and {MAX_SEGMENT_TOKENS}")
        if not 0 <= self.chunk_overlap < self.max_tokens:
            raise ValueError("segmentation.chunk_overlap must be at least 0 and less than max_tokens")
        return Segmentation(separator, self.max_tokens, self.chunk_overlap)


#: Dify's "automatic" process rule.
AUTOMATIC = Segmentation("\n", 500, 50)
#: Dify's parent-child defaults: paragraphs of up to 1024 tokens, lines of up to 512 as children.
PARENT_DEFAULT = Segmentation("\n\n", 1024, 0)
CHILD_DEFAULT = Segmentation("\n", 512, 0)


@dataclass(frozen=True)
class SplitChunk:
    content: str
    tokens: int
    children: tuple[SplitChunk, ...] = ()


@lru_cache(maxsize=64)
def _splitter(tokenizer: Tokenizer, capacity: int, overlap: int) -> TextSplitter:
    return TextSplitter.from_huggingface_tokenizer(tokenizer, capacity, overlap=overlap)


class TextChunker:
    """Splits cleaned text into chunks; ``tokenizer`` must not truncate."""

    def __init__(self, tokenizer: Tokenizer) -> None:
        self._tokenizer = tokenizer

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer.encode(text, add_special_tokens=False).ids)

    def split(self, text: str, segmentation: Segmentation) -> list[str]:
        """Split on the separator; a piece longer than ``max_tokens`` is split again, with overlap.

        As in Dify, pieces under the limit are kept as they are (not merged with their neighbours).
        """
        seg = segmentation.validated()
        out: list[str] = []
        for piece in text.split(seg.separator):
            piece = piece.strip()
            if not piece:
                continue
            if self.count_tokens(piece) <= seg.max_tokens:
                out.append(piece)
            else:
                out.extend(_splitter(self._tokenizer, seg.max_tokens, seg.chunk_overlap).chunks(piece))
        return out

    def general(self, text: str, segmentation: Segmentation) -> list[SplitChunk]:
        return [SplitChunk(c, self.count_tokens(c)) for c in self.split(text, segmentation)]

    def parent_child(
        self,
        text: str,
        parent: Segmentation,
        child: Segmentation,
        parent_mode: Literal["paragraph", "full-doc"] = "paragraph",
    ) -> list[SplitChunk]:
        """Parents (paragraphs, or the whole document) each carrying the child chunks that get indexed."""
        if parent_mode == "full-doc":
            whole = text.strip()
            ids = self._tokenizer.encode(whole, add_special_tokens=False)
            if len(ids.ids) > FULL_DOC_MAX_TOKENS:
                whole = whole[: ids.offsets[FULL_DOC_MAX_TOKENS - 1][1]]
            parents = [whole] if whole else []
        else:
            parents = self.split(text, parent)
        out = []
        for p in parents:
            children = tuple(SplitChunk(c, self.count_tokens(c)) for c in self.split(p, child))
            out.append(
                SplitChunk(p, self.count_tokens(p), children or (SplitChunk(p, self.count_tokens(p)),))
            )
        return out
