"""The ``{{#node.var#}}`` template syntax and Dify's two value renderings (markdown, plain text)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from riverflow.engine.variable_pool import MISSING, lookup

__all__ = ["Segment", "VARIABLE_PATTERN", "parse_template", "render_template", "to_markdown", "to_text"]

#: Owner up to 50 word chars, then 1-10 dotted names (so ids with '-' cannot be referenced).
VARIABLE_PATTERN = re.compile(r"\{\{#([a-zA-Z0-9_]{1,50}(?:\.[a-zA-Z_][a-zA-Z0-9_]{0,29}){1,10})#\}\}")


@dataclass(frozen=True, slots=True)
class Segment:
    """A template piece: literal ``text`` or a variable ``selector``."""

    text: str | None = None
    selector: tuple[str, ...] | None = None


def parse_template(template: str) -> list[Segment]:
    """Split ``template`` into text and variable segments, in order."""
    segments: list[Segment] = []
    pos = 0
    for match in VARIABLE_PATTERN.finditer(template or ""):
        if match.start() > pos:
            segments.append(Segment(text=template[pos : match.start()]))
        segments.append(Segment(selector=tuple(match.group(1).split("."))))
        pos = match.end()
    if pos < len(template or ""):
        segments.append(Segment(text=template[pos:]))
    return segments


def render_template(template: str, pool: dict[str, dict[str, Any]], *, markdown: bool = False) -> str:
    """Render ``template``; a missing reference stays as its bare dotted path (Dify's behaviour)."""
    render = to_markdown if markdown else to_text
    out: list[str] = []
    for seg in parse_template(template):
        if seg.selector is None:
            out.append(seg.text or "")
            continue
        value = lookup(pool, seg.selector)
        out.append(".".join(seg.selector) if value is MISSING else render(value))
    return "".join(out)


def _is_file(value: Any) -> bool:
    return isinstance(value, dict) and value.get("dify_model_identity") == "__dify__file__"


def _file_markdown(value: dict[str, Any]) -> str:
    url = value.get("remote_url") or value.get("url") or ""
    name = value.get("filename") or value.get("name") or ""
    return f"![{name}]({url})" if value.get("type") == "image" else f"[{name}]({url})"


def to_markdown(value: Any) -> str:
    """Markdown rendering (answer / end output and streaming)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if _is_file(value):
        return _file_markdown(value)
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False, indent=2)
    if isinstance(value, list):
        if value and all(_is_file(v) for v in value):
            return "\n".join(_file_markdown(v) for v in value)
        return "\n".join(f"- {item}" for item in value)
    return str(value)


def to_text(value: Any) -> str:
    """Plain-text rendering (http fields, tool inputs, if-else values, list-operator serial)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if _is_file(value):
        return ""
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list):
        if not value:
            return ""
        if all(isinstance(v, (int, float)) for v in value):
            return str(value)  # array[number] renders as Python str() (Addendum 7)
        if all(_is_file(v) for v in value):
            return ""
        return json.dumps(value, ensure_ascii=False)
    return str(value)
