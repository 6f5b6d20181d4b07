"""What the run path needs of an app version: the DSL to run, its parsed definition, its features."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from riverflow.gateway.errors import ApiError
from riverflow.gateway.model_config_app import MODEL_CONFIG_MODES, to_chatflow_dsl

__all__ = ["Runnable", "runnable", "parameters_body", "CHAT_MODES"]

#: Modes served by ``/chat-messages``.
CHAT_MODES = frozenset({"chat", "agent-chat", "advanced-chat"})

_SYSTEM_PARAMETERS = {
    "file_size_limit": 15,
    "image_file_size_limit": 10,
    "audio_file_size_limit": 50,
    "video_file_size_limit": 100,
    "workflow_file_upload_limit": 10,
}


@dataclass(frozen=True)
class Runnable:
    """``dsl`` is what ``RunRequested`` carries: the version's own DSL, or the equivalent chatflow of
    a model-config app."""

    mode: str
    dsl: str
    definition: Any  # riverflow.engine.AppDefinition

    @property
    def features(self) -> dict[str, Any]:
        return dict(self.definition.features or {})

    def feature_enabled(self, name: str) -> bool:
        value = self.features.get(name)
        return bool(value.get("enabled")) if isinstance(value, dict) else False


@functools.lru_cache(maxsize=256)
def runnable(mode: str, dsl: str) -> Runnable:
    """The runnable form of an app version; 400 ``app_unavailable`` when it cannot run."""
    from riverflow.engine import DslError, parse_app

    try:
        text = to_chatflow_dsl(dsl) if mode in MODEL_CONFIG_MODES else dsl
        definition = parse_app(text)
    except (DslError, ValueError) as exc:
        raise ApiError(
            400, "app_unavailable", f"App unavailable, please check your app configurations: {exc}"
        ) from None
    if not definition.is_runnable:
        raise ApiError(400, "app_unavailable", "App unavailable, please check your app configurations.")
    return Runnable(mode, text, definition)


def _enabled(features: dict[str, Any], name: str, **extra: Any) -> dict[str, Any]:
    value = features.get(name)
    body = dict(value) if isinstance(value, dict) else {}
    body.setdefault("enabled", False)
    for key, default in extra.items():
        body.setdefault(key, default)
    return body


def _form_item(variable: dict[str, Any]) -> dict[str, Any]:
    kind = str(variable.get("type") or "text-input")
    spec = {k: v for k, v in variable.items() if k != "type"}
    spec.setdefault("label", spec.get("variable"))
    spec.setdefault("required", False)
    spec.setdefault("default", "")
    if kind == "select":
        spec.setdefault("options", [])
    return {kind: spec}


def parameters_body(app: Runnable) -> dict[str, Any]:
    """``GET /parameters``: the app's features and its input form (Dify's shape)."""
    features = app.features
    file_upload = dict(features.get("file_upload") or {})
    image = dict(file_upload.get("image") or {})
    image.setdefault("enabled", False)
    image.setdefault("number_limits", 3)
    image.setdefault("detail", "high")
    image.setdefault("transfer_methods", ["remote_url", "local_file"])
    file_upload["image"] = image
    file_upload.setdefault("enabled", False)
    limits = dict(_SYSTEM_PARAMETERS)
    limits.update({k: v for k, v in (file_upload.get("fileUploadConfig") or {}).items() if k in limits})
    return {
        "opening_statement": features.get("opening_statement") or "",
        "suggested_questions": list(features.get("suggested_questions") or []),
        "suggested_questions_after_answer": _enabled(features, "suggested_questions_after_answer"),
        "speech_to_text": _enabled(features, "speech_to_text"),
        "text_to_speech": _enabled(features, "text_to_speech", voice="", language="", autoPlay="disabled"),
        "retriever_resource": _enabled(features, "retriever_resource"),
        "annotation_reply": _enabled(features, "annotation_reply"),
        "more_like_this": _enabled(features, "more_like_this"),
        "sensitive_word_avoidance": _enabled(features, "sensitive_word_avoidance", type="", configs=[]),
        "user_input_form": [_form_item(v) for v in app.definition.start_variables()],
        "file_upload": file_upload,
        "system_parameters": limits,
    }
