"""Checks shared by the Service API routes: ``user``, ids, versions, conversations, files."""

from __future__ import annotations

import uuid
from typing import Any

from riverflow.gateway.api.deps import Services
from riverflow.gateway.app_runtime import CHAT_MODES
from riverflow.gateway.chat_records import ConversationRecord
from riverflow.gateway.errors import ApiError
from riverflow.gateway.records import AppRecord, VersionRecord

__all__ = [
    "require_user",
    "optional_user",
    "is_uuid",
    "require_chat_app",
    "published_version",
    "find_conversation",
    "resolved_files",
    "DEFAULT_USER",
]

#: Dify's anonymous session for list routes called without ``user``.
DEFAULT_USER = "DEFAULT-USER"


def require_user(user: str | None) -> str:
    if not user or not str(user).strip():
        raise ApiError(400, "invalid_param", "Arg user must be provided.", params="user")
    return str(user)


def optional_user(user: str | None) -> str:
    return str(user) if user else DEFAULT_USER


def is_uuid(value: str) -> bool:
    try:
        uuid.UUID(str(value))
    except (ValueError, TypeError):
        return False
    return True


def require_chat_app(app: AppRecord) -> None:
    if app.mode not in CHAT_MODES:
        raise ApiError(400, "not_chat_app", "Please check if your app mode matches the right API route.")


async def published_version(svc: Services, app: AppRecord, version_id: str | None = None) -> VersionRecord:
    """The published version the Service API runs (or the one named by ``workflow_id``)."""
    if version_id:
        version = await svc.store.get_version(app.id, version_id) if is_uuid(version_id) else None
        if version is None or not version.published:
            raise ApiError(400, "bad_request", f"Workflow not found with id: {version_id}")
        return version
    version = None
    if app.published_version_id:  # read with the key: the version itself is cached by the store
        version = await svc.store.get_version(app.id, app.published_version_id)
    version = version or await svc.store.published_version(app.id)
    if version is None:
        raise ApiError(400, "bad_request", "Workflow not published.")
    return version


async def find_conversation(
    svc: Services, app: AppRecord, user: str, conversation_id: str | None, source: str = "api"
) -> ConversationRecord | None:
    """The caller's conversation; None for a new one (``""``/null). 404 for another user's, another
    source's (the Service API's ``api``, the console's debug runs ``console``) or unknown."""
    if not conversation_id:
        return None
    if not is_uuid(conversation_id):
        raise ApiError(
            400, "invalid_param", f"{conversation_id} is not a valid uuid.", params="conversation_id"
        )
    conversation = await svc.store.get_conversation(app.id, conversation_id)
    if (
        conversation is None
        or (conversation.user, conversation.from_source) != (user, source)
        or conversation.status != "normal"
    ):
        raise ApiError(404, "not_found", "Conversation Not Exists.")
    return conversation


async def resolved_files(
    svc: Services, app: AppRecord, files: list[dict[str, Any]] | None
) -> list[dict[str, Any]]:
    """``files`` as Dify's file mappings for ``sys.files``: uploads must be in the app's workspace."""
    resolved = []
    for index, item in enumerate(files or []):
        if not isinstance(item, dict):
            raise ApiError(400, "invalid_param", f"files[{index}] must be an object.", params="files")
        kind = str(item.get("type") or "custom")
        method = item.get("transfer_method")
        if method == "remote_url":
            url = item.get("url")
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise ApiError(
                    400, "invalid_param", f"files[{index}].url must be an http(s) URL.", params="files"
                )
            resolved.append({"type": kind, "transfer_method": "remote_url", "url": url, "remote_url": url})
        elif method == "local_file":
            file_id = str(item.get("upload_file_id") or "")
            record = await svc.store.get_file(file_id) if is_uuid(file_id) else None
            if record is None or record.workspace_id != app.workspace_id:
                raise ApiError(400, "invalid_param", "Invalid upload file id.", params="files")
            resolved.append(
                {
                    "type": kind,
                    "transfer_method": "local_file",
                    "upload_file_id": record.id,
                    "related_id": record.id,
                    "filename": record.name,
                    "extension": f".{record.extension}",
                    "mime_type": record.mime_type,
                    "size": record.size,
                    "url": f"/files/{record.id}/file-preview",
                }
            )
        else:
            raise ApiError(
                400,
                "invalid_param",
                f"files[{index}].transfer_method must be remote_url or local_file.",
                params="files",
            )
    return resolved
