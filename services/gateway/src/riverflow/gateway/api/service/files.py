"""``POST /files/upload`` (201, stored under the data directory, Dify's limits) and file preview."""

from __future__ import annotations

import mimetypes
import time
import uuid
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, JSONResponse
from riverflow.gateway.api.deps import AppDep, ServicesDep
from riverflow.gateway.api.service.common import is_uuid, optional_user
from riverflow.gateway.chat_records import FileRecord
from riverflow.gateway.errors import ApiError
from starlette.datastructures import UploadFile

__all__ = ["router", "file_category", "store_upload"]

router = APIRouter(prefix="/v1", tags=["files"])

_IMAGES = {"jpg", "jpeg", "png", "webp", "gif", "svg"}
_VIDEOS = {"mp4", "mov", "mpeg", "webm", "avi"}
_AUDIOS = {"mp3", "m4a", "wav", "amr", "mpga", "ogg", "flac"}
#: Executables are refused whatever the app allows.
_BLOCKED = {"exe", "bat", "cmd", "com", "dll", "msi", "scr", "sh", "ps1", "vbs", "jar", "apk"}
_CHUNK = 1024 * 1024


def file_category(extension: str) -> str:
    ext = extension.lower()
    if ext in _IMAGES:
        return "image"
    if ext in _VIDEOS:
        return "video"
    if ext in _AUDIOS:
        return "audio"
    return "document"


def _limit_bytes(settings: Any, category: str) -> int:
    megabytes = {
        "image": settings.image_file_size_limit_mb,
        "video": settings.video_file_size_limit_mb,
        "audio": settings.audio_file_size_limit_mb,
    }.get(category, settings.file_size_limit_mb)
    return int(megabytes) * 1024 * 1024


async def store_upload(
    svc: Any, upload: UploadFile, workspace_id: str, app_id: str | None, user: str
) -> FileRecord:
    """Check the upload against the limits, write it under ``files_dir`` and record it."""
    name = (upload.filename or "").strip()
    if not name:
        raise ApiError(400, "filename_not_exists_error", "The specified filename does not exist.")
    if "/" in name or "\\" in name or len(name) > 200:
        raise ApiError(400, "invalid_param", "Filename contains invalid characters or is too long.")
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if extension in _BLOCKED:
        raise ApiError(415, "unsupported_file_type", f"File type '{extension}' is not allowed.")
    limit = _limit_bytes(svc.settings, file_category(extension))
    file_id = str(uuid.uuid4())
    relative = Path(workspace_id) / (f"{file_id}.{extension}" if extension else file_id)
    path = svc.settings.files_dir / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    size = 0
    try:
        with path.open("wb") as out:
            while chunk := await upload.read(_CHUNK):
                size += len(chunk)
                if size > limit:
                    raise ApiError(
                        413, "file_too_large", f"File size exceeded. {name} > {limit // (1024 * 1024)} MB"
                    )
                out.write(chunk)
    except BaseException:
        path.unlink(missing_ok=True)  # no partial state
        raise
    mime = upload.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    record = FileRecord(
        file_id, workspace_id, app_id, user, name, size, extension, mime, str(relative), time.time()
    )
    await svc.store.create_file(record)
    return record


def file_body(record: FileRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "size": record.size,
        "extension": record.extension,
        "mime_type": record.mime_type,
        "created_by": record.user,
        "created_at": int(record.created_at),
        "preview_url": f"/v1/files/{record.id}/preview",
        "source_url": f"/v1/files/{record.id}/preview",
        "original_url": None,
        "user_id": record.user,
        "tenant_id": record.workspace_id,
        "conversation_id": None,
        "file_key": record.key,
    }


@router.post("/files/upload", status_code=201, summary="Upload a file for later messages or runs")
async def upload_file(request: Request, app: AppDep, svc: ServicesDep) -> JSONResponse:
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        raise ApiError(400, "no_file_uploaded", "Please upload your file.")
    form = await request.form()
    uploads = [v for v in form.getlist("file") if isinstance(v, UploadFile)]
    if not uploads:
        raise ApiError(400, "no_file_uploaded", "Please upload your file.")
    if len(uploads) > 1 or len([v for k, v in form.multi_items() if isinstance(v, UploadFile)]) > 1:
        raise ApiError(400, "too_many_files", "Only one file is allowed.")
    user = form.get("user")
    record = await store_upload(
        svc, uploads[0], app.workspace_id, app.id, optional_user(user if isinstance(user, str) else None)
    )
    return JSONResponse(file_body(record), status_code=201)


@router.get("/files/{file_id}/preview", summary="An uploaded file's content")
async def preview_file(
    file_id: str, app: AppDep, svc: ServicesDep, as_attachment: bool = False
) -> FileResponse:
    record = await svc.store.get_file(file_id) if is_uuid(file_id) else None
    if record is None or record.workspace_id != app.workspace_id or record.app_id not in (None, app.id):
        raise ApiError(404, "file_not_found", "File not found.")
    path = svc.settings.files_dir / record.key
    if not path.is_file():
        raise ApiError(404, "file_not_found", "File not found.")
    return FileResponse(
        path,
        media_type=record.mime_type,
        filename=record.name if as_attachment else None,
        content_disposition_type="attachment" if as_attachment else "inline",
    )
