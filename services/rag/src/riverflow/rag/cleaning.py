"""Dify's pre-processing rules: invalid symbols always go; extra spaces and URLs/e-mails on request."""

from __future__ import annotations

import re
from collections.abc import Iterable

__all__ = ["clean_text", "PRE_PROCESSING_RULES"]

PRE_PROCESSING_RULES = frozenset({"remove_extra_spaces", "remove_urls_emails", "remove_stopwords"})

_INVALID = re.compile(r"[\x00-\x08\x0B\x0C\x0E-\x1F\x7F\uFFFE]")
_MANY_NEWLINES = re.compile(r"\n{3,}")
_MANY_SPACES = re.compile(r"[\t\f\r\x20\u00a0\u1680\u180e\u2000-\u200a\u202f\u205f\u3000]{2,}")
_EMAIL = re.compile(r"([a-zA-Z0-9_.+-]+@[a-zA-Z0-9-]+\.[a-zA-Z0-9-.]+)")
_URL = re.compile(r"https?://[^\s)\]]+")
# Markdown links and images keep their URLs (Dify protects them the same way).
_MD_LINK = re.compile(r"!?\[[^\]]*\]\([^)]*\)")


def clean_text(text: str, enabled_rules: Iterable[str]) -> str:
    rules = set(enabled_rules)
    text = _INVALID.sub("", text.replace("<|", "<").replace("|>", ">"))
    if "remove_extra_spaces" in rules:
        text = _MANY_NEWLINES.sub("\n\n", text)
        text = _MANY_SPACES.sub(" ", text)
    if "remove_urls_emails" in rules:
        kept: list[str] = []

        def hold(match: re.Match[str]) -> str:
            kept.append(match.group(0))
            return f"\x00{len(kept) - 1}\x00"

        text = _MD_LINK.sub(hold, text)
        text = _URL.sub("", _EMAIL.sub("", text))
        text = re.sub(r"\x00(\d+)\x00", lambda m: kept[int(m.group(1))], text)
    # remove_stopwords is accepted for compatibility and, as in Dify, changes nothing.
    return text
