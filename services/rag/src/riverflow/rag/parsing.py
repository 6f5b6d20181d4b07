"""File bytes to text, by extension: txt, md, html, pdf, docx, csv, json — each with a well-kept parser."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from pathlib import PurePosixPath

import docx
import html_text
import pypdf
from charset_normalizer import from_bytes

__all__ = ["SUPPORTED_EXTENSIONS", "UnsupportedFileType", "ParseError", "extension_of", "parse_document"]


class UnsupportedFileType(ValueError):
    """Dify's 415 ``unsupported_file_type``."""


class ParseError(ValueError):
    """The file is of a supported type but unreadable (corrupt, encrypted, no text)."""


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise ParseError("the file is not text in any known encoding") from None
        return str(best)


def _pdf(data: bytes) -> str:
    try:
        reader = pypdf.PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not reader.decrypt(""):
            raise ParseError("the PDF is encrypted")
        return "\n\n".join((page.extract_text() or "").strip() for page in reader.pages)
    except pypdf.errors.PdfReadError as exc:
        raise ParseError(f"unreadable PDF: {exc}") from exc


def _docx(data: bytes) -> str:
    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as exc:  # python-docx raises zipfile/KeyError/ValueError for damaged files
        raise ParseError(f"unreadable DOCX: {exc}") from exc
    blocks = []
    # Paragraphs and tables in document order; a table row becomes "cell | cell".
    for block in document.iter_inner_content():
        if isinstance(block, docx.table.Table):
            blocks.extend(" | ".join(cell.text.strip() for cell in row.cells) for row in block.rows)
        elif block.text.strip():
            blocks.append(block.text.strip())
    return "\n\n".join(blocks)


def _csv(data: bytes) -> str:
    text = _decode(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    rows = list(csv.reader(io.StringIO(text), dialect))
    if not rows:
        return ""
    header, body = rows[0], rows[1:]
    # Like Dify's CSV extractor: one line per row, "column: value" pairs, so each row is a unit.
    return "\n".join(
        ";".join(f"{h.strip()}: {v.strip()}" for h, v in zip(header, row, strict=False))
        for row in body
        if any(row)
    ) or ";".join(header)


def _json(data: bytes) -> str:
    try:
        value = json.loads(_decode(data))
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON: {exc}") from exc
    return json.dumps(value, ensure_ascii=False, indent=2)


def _html(data: bytes) -> str:
    return html_text.extract_text(_decode(data), guess_layout=True)


_PARSERS: dict[str, Callable[[bytes], str]] = {
    "txt": _decode,
    "text": _decode,
    "md": _decode,
    "markdown": _decode,
    "mdx": _decode,
    "html": _html,
    "htm": _html,
    "pdf": _pdf,
    "docx": _docx,
    "csv": _csv,
    "json": _json,
}
SUPPORTED_EXTENSIONS = frozenset(_PARSERS)


def extension_of(filename: str) -> str:
    return PurePosixPath(filename).suffix.lower().lstrip(".")


def parse_document(data: bytes, filename: str) -> str:
    """The document's text; raises ``UnsupportedFileType`` or ``ParseError``."""
    ext = extension_of(filename)
    parser = _PARSERS.get(ext)
    if parser is None:
        raise UnsupportedFileType(
            f"file type {ext or '(none)'!r} is not supported; use one of {sorted(SUPPORTED_EXTENSIONS)}"
        )
    text = parser(data)
    if not text.strip():
        raise ParseError("no text could be extracted from the file")
    return text
