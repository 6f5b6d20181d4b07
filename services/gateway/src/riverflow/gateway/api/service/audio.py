"""Speech routes: Dify's own 400 codes until a speech model is configured (clients map codes)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from riverflow.gateway.api.deps import AppDep
from riverflow.gateway.api.service.bodies import TextToAudioBody
from riverflow.gateway.errors import ApiError
from starlette.datastructures import UploadFile

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["audio"])

_AUDIO_TYPES = {"mp3", "mp4", "mpeg", "mpga", "m4a", "wav", "webm", "amr"}
_AUDIO_LIMIT = 30 * 1024 * 1024


@router.post("/audio-to-text", summary="Transcribe audio (needs a speech-to-text model)")
async def audio_to_text(request: Request, app: AppDep) -> dict[str, str]:
    form = await request.form() if request.headers.get("content-type", "").startswith("multipart/") else {}
    upload = form.get("file") if form else None
    if not isinstance(upload, UploadFile):
        raise ApiError(400, "no_audio_uploaded", "Please upload your audio.")
    extension = (upload.filename or "").rsplit(".", 1)[-1].lower()
    mime = (upload.content_type or "").lower()
    if extension not in _AUDIO_TYPES and not mime.startswith("audio/"):
        raise ApiError(415, "unsupported_audio_type", "Audio type not allowed.")
    if len(await upload.read(_AUDIO_LIMIT + 1)) > _AUDIO_LIMIT:
        raise ApiError(413, "audio_too_large", "Audio size exceeded.")
    raise ApiError(
        400,
        "provider_not_support_speech_to_text",
        "No speech-to-text model is configured for this workspace.",
    )


@router.post("/text-to-audio", summary="Synthesize speech (needs a text-to-speech model)")
async def text_to_audio(body: TextToAudioBody, app: AppDep) -> dict[str, str]:
    raise ApiError(400, "app_unavailable", "Text to speech is not available: no speech model is configured.")
