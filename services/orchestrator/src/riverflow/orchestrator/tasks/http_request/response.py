"""An HTTP node's response as Dify reports it: text body, or a file when the response is one."""

from __future__ import annotations

import base64
import mimetypes
import posixpath
from email.message import Message
from typing import Any
from urllib.parse import unquote, urlparse

__all__ = ["is_file_response", "readable_size", "file_output", "size_error"]

_TEXT_APPLICATION = ("json", "xml", "javascript", "x-www-form-urlencoded", "yaml", "graphql")
_TEXT_MARKERS = (b"{", b"[", b"<", b"function", b"var ", b"const ", b"let ")
_DOCUMENT_EXTENSIONS = frozenset(
    {
        ".txt",
        ".md",
        ".markdown",
        ".pdf",
        ".html",
        ".htm",
        ".xlsx",
        ".xls",
        ".docx",
        ".csv",
        ".eml",
        ".msg",
        ".pptx",
        ".ppt",
        ".xml",
        ".epub",
        ".json",
    }
)


def _disposition(headers: dict[str, str]) -> tuple[str | None, str | None]:
    raw = headers.get("content-disposition")
    if not raw:
        return None, None
    message = Message()
    message["content-disposition"] = raw
    return message.get_content_disposition(), message.get_filename()


def is_file_response(headers: dict[str, str], sample: bytes) -> bool:
    """Dify's ``Response.is_file``: attachment, non-text MIME type, or undecodable bytes."""
    content_type = headers.get("content-type", "").split(";")[0].strip().lower()
    disposition, filename = _disposition(headers)
    if disposition == "attachment" or filename is not None:
        return True
    if content_type.startswith("text/") and "csv" not in content_type:
        return False
    if content_type.startswith("application/"):
        if any(t in content_type for t in _TEXT_APPLICATION):
            return False
        try:
            sample[:1024].decode("utf-8")
        except UnicodeDecodeError:
            return True
        if any(marker in sample[:1024] for marker in _TEXT_MARKERS):
            return False
    main_type, _ = mimetypes.guess_type("dummy" + (mimetypes.guess_extension(content_type) or ""))
    if main_type:
        return main_type.split("/")[0] in ("application", "image", "audio", "video")
    return any(media in content_type for media in ("image/", "audio/", "video/"))


def readable_size(size: int) -> str:
    if size < 1024:
        return f"{size} bytes"
    if size < 1024 * 1024:
        return f"{size / 1024:.2f} KB"
    return f"{size / 1024 / 1024:.2f} MB"


def size_error(is_file: bool, limit: int, size: int) -> str:
    """Dify's ``ResponseSizeError`` message."""
    kind = "File" if is_file else "Text"
    return (
        f"{kind} size is too large, max size is {limit / 1024 / 1024:.2f} MB,"
        f" but current size is {readable_size(size)}."
    )


def _file_type(mime: str, extension: str) -> str:
    major = mime.split("/")[0]
    if major in ("image", "audio", "video"):
        return major
    return "document" if extension in _DOCUMENT_EXTENSIONS else "custom"


def file_output(url: str, headers: dict[str, str], content: bytes) -> dict[str, Any]:
    """A Dify file value for a file response. No file store is wired to the orchestrator yet, so
    the bytes travel inline as a ``data:`` URL (bounded by the binary size limit)."""
    mime = headers.get("content-type", "").split(";")[0].strip().lower() or "application/octet-stream"
    _, filename = _disposition(headers)
    if not filename:
        filename = posixpath.basename(unquote(urlparse(url).path)) or "file"
    extension = posixpath.splitext(filename)[1].lower() or (mimetypes.guess_extension(mime) or "")
    if "." not in filename and extension:
        filename += extension
    return {
        "dify_model_identity": "__dify__file__",
        "id": None,
        "type": _file_type(mime, extension),
        "transfer_method": "tool_file",
        "remote_url": None,
        "related_id": None,
        "filename": filename,
        "extension": extension,
        "mime_type": mime,
        "size": len(content),
        "url": f"data:{mime};base64,{base64.b64encode(content).decode()}",
    }
