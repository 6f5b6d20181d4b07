"""Building and editing app DSL texts for the console: blank apps, drafts, exports."""

from __future__ import annotations

from typing import Any

import yaml

__all__ = ["blank_dsl", "with_workflow", "with_model_config", "with_app_fields", "export_text", "DSL_VERSION"]

DSL_VERSION = "0.3.1"

_BLANK_GRAPHS: dict[str, dict[str, Any]] = {
    "workflow": {
        "nodes": [
            {"id": "start", "type": "custom", "data": {"type": "start", "title": "Start", "variables": []}},
            {"id": "end", "type": "custom", "data": {"type": "end", "title": "End", "outputs": []}},
        ],
        "edges": [{"id": "start-source-end-target", "source": "start", "target": "end"}],
    },
    "advanced-chat": {
        "nodes": [
            {"id": "start", "type": "custom", "data": {"type": "start", "title": "Start", "variables": []}},
            {"id": "answer", "type": "custom", "data": {"type": "answer", "title": "Answer", "answer": ""}},
        ],
        "edges": [{"id": "start-source-answer-target", "source": "start", "target": "answer"}],
    },
}


def _dump(doc: dict[str, Any]) -> str:
    return yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)


def _load(text: str) -> dict[str, Any]:
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict):
        raise ValueError("DSL must be a YAML mapping")
    return doc


def blank_dsl(name: str, mode: str, description: str, icon: str, model_config: dict[str, Any] | None) -> str:
    app = {"name": name, "mode": mode, "description": description, "icon": icon, "icon_background": "#FFEAD5"}
    doc: dict[str, Any] = {"version": DSL_VERSION, "kind": "app", "app": app, "dependencies": []}
    if mode in _BLANK_GRAPHS:
        doc["workflow"] = {
            "graph": _BLANK_GRAPHS[mode],
            "features": {},
            "environment_variables": [],
            "conversation_variables": [],
        }
    else:
        doc["model_config"] = model_config or {
            "model": {"provider": "", "name": "", "mode": "chat", "completion_params": {}},
            "pre_prompt": "",
            "user_input_form": [],
        }
    return _dump(doc)


def with_workflow(text: str, changes: dict[str, Any]) -> str:
    """The DSL with ``workflow`` keys (graph, features, variables) replaced by ``changes``."""
    doc = _load(text)
    workflow = dict(doc.get("workflow") or {})
    for key in ("graph", "features", "environment_variables", "conversation_variables"):
        if key in changes:
            workflow[key] = changes[key]
    doc["workflow"] = workflow
    return _dump(doc)


def with_model_config(text: str, model_config: dict[str, Any]) -> str:
    doc = _load(text)
    doc["model_config"] = model_config
    return _dump(doc)


def with_app_fields(text: str, **fields: Any) -> str:
    doc = _load(text)
    doc["app"] = {**dict(doc.get("app") or {}), **{k: v for k, v in fields.items() if v is not None}}
    return _dump(doc)


def export_text(text: str, include_secret: bool) -> str:
    """The DSL as exported: secret environment variables emptied unless ``include_secret``."""
    doc = _load(text)
    if not include_secret:
        workflow = doc.get("workflow")
        if isinstance(workflow, dict):
            workflow["environment_variables"] = [
                {**v, "value": ""} if isinstance(v, dict) and v.get("value_type") == "secret" else v
                for v in workflow.get("environment_variables") or []
            ]
    return _dump(doc)
