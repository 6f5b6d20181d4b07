"""What a client learns about the key's app: ``/parameters``, ``/info``, ``/meta``, ``/site``."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from riverflow.gateway.api.deps import AppDep, ServicesDep
from riverflow.gateway.api.service.common import published_version
from riverflow.gateway.app_runtime import parameters_body, runnable

__all__ = ["router"]

router = APIRouter(prefix="/v1", tags=["app"])


@router.get("/parameters", summary="The app's input form and features")
async def parameters(app: AppDep, svc: ServicesDep) -> dict[str, Any]:
    version = await published_version(svc, app)
    return parameters_body(runnable(app.mode, version.dsl))


@router.get("/info", summary="The app's name, description and mode")
async def info(app: AppDep) -> dict[str, Any]:
    return {"name": app.name, "description": app.description, "tags": [], "mode": app.mode, "author_name": ""}


@router.get("/meta", summary="Icons of the tools the app uses")
async def meta(app: AppDep) -> dict[str, Any]:
    return {"tool_icons": {}}


@router.get("/site", summary="The app's web-app settings")
async def site(app: AppDep) -> dict[str, Any]:
    return {
        "title": app.name,
        "chat_color_theme": None,
        "chat_color_theme_inverted": False,
        "icon_type": "emoji",
        "icon": app.icon,
        "icon_background": "#FFEAD5",
        "icon_url": None,
        "description": app.description,
        "copyright": None,
        "privacy_policy": None,
        "custom_disclaimer": "",
        "default_language": "en-US",
        "show_workflow_steps": True,
        "use_icon_as_answer_icon": False,
    }
