"""Export an app back to Dify DSL YAML (what Dify's "Export DSL" writes, and imports again)."""

from __future__ import annotations

import copy
from typing import Any

import yaml
from riverflow.engine.dsl.models import AppDefinition

__all__ = ["export_app"]

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_APP_KEYS = ("name", "mode", "icon", "icon_type", "icon_background", "description")


def _environment(variables: list[dict[str, Any]], include_secrets: bool) -> list[dict[str, Any]]:
    out = copy.deepcopy(variables)
    if not include_secrets:
        for var in out:
            if isinstance(var, dict) and var.get("value_type") == "secret":
                var["value"] = ""  # Dify exports secrets empty unless asked to include them
    return out


def export_app(app: AppDefinition, *, include_secrets: bool = False) -> str:
    """The app as a Dify DSL document (YAML); ``parse_app`` of it gives the same graph.

    Unknown keys the import kept (UI positions, features, node extras) are written back;
    secret environment variables are emptied unless ``include_secrets``.
    """
    raw = copy.deepcopy(app.raw) if isinstance(app.raw, dict) else {}
    app_block = dict(raw.get("app") or {})
    for key in _APP_KEYS:
        value = getattr(app, key)
        if value is not None and (value != "" or key in app_block):
            app_block[key] = value
    doc: dict[str, Any] = {
        "version": app.version,
        "kind": "app",
        "app": app_block,
        "dependencies": copy.deepcopy(app.dependencies),
    }
    for key, value in raw.items():
        if key not in doc and key != "workflow":
            doc[key] = value  # e.g. model_config of chat / completion apps
    if app.graph is not None:
        workflow = dict(raw.get("workflow") or {})
        graph = dict(workflow.get("graph") or {})
        graph["nodes"] = [n.model_dump(by_alias=True, exclude_unset=True) for n in app.graph.nodes]
        graph["edges"] = [e.model_dump(by_alias=True, exclude_unset=True) for e in app.graph.edges]
        workflow.update(
            {
                "conversation_variables": copy.deepcopy(app.conversation_variables),
                "environment_variables": _environment(app.environment_variables, include_secrets),
                "features": copy.deepcopy(app.features),
                "graph": graph,
            }
        )
        doc["workflow"] = workflow
    return yaml.dump(doc, Dumper=_Dumper, allow_unicode=True, sort_keys=False, default_flow_style=False)
