"""Building the initial RunState from a RunRequested (pool namespaces, inputs, ids)."""

from __future__ import annotations

import copy
from typing import Any

from riverflow.contracts.events.v1 import RunRequested
from riverflow.engine.dsl.models import AppDefinition
from riverflow.engine.payloads import stable_id
from riverflow.engine.state import RunState

__all__ = ["initial_state", "system_values", "environment_values", "conversation_values"]


def system_values(event: RunRequested, chatflow: bool) -> dict[str, Any]:
    """``sys.*`` values: the event's ``system`` dict (``sys.`` prefixes stripped) plus defaults."""
    system = {str(k).removeprefix("sys."): v for k, v in (event.system or {}).items()}
    system.pop("message_id", None)  # a message id is not a sys variable in Dify
    system.setdefault("files", [])
    system.setdefault("user_id", event.user)
    system.setdefault("app_id", event.app_id)
    system.setdefault("workflow_id", event.workflow_id)
    system.setdefault("workflow_run_id", event.run_id)
    system.setdefault("timestamp", int(event.at))
    if chatflow:
        system.setdefault("query", "")
    return system


def _typed(value: Any, value_type: str | None) -> Any:
    if value_type == "number" and isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            try:
                return float(value)
            except ValueError:
                return value
    return value


def environment_values(app: AppDefinition) -> dict[str, Any]:
    """``env.*`` values declared in the DSL."""
    return {
        str(v["name"]): _typed(v.get("value"), v.get("value_type"))
        for v in app.environment_variables
        if isinstance(v, dict) and v.get("name")
    }


def conversation_values(app: AppDefinition, overrides: dict[str, Any] | None) -> dict[str, Any]:
    """``conversation.*`` values: DSL defaults, overridden by the conversation's current values.

    Only declared variables exist: a stored value whose declaration was removed is dropped.
    """
    values = {
        str(v["name"]): copy.deepcopy(v.get("value"))
        for v in app.conversation_variables
        if isinstance(v, dict) and v.get("name")
    }
    for name, value in (overrides or {}).items():
        if name in values:
            values[name] = value
    return values


def initial_state(event: RunRequested, app: AppDefinition | None) -> RunState:
    """A fresh running state; the pool holds sys/env/conversation but no node outputs yet."""
    chatflow = (app.mode if app is not None else event.app_mode) == "advanced-chat"
    system = system_values(event, chatflow)
    message_id = (event.system or {}).get("message_id") or (
        stable_id(event.run_id, "message") if chatflow else None
    )
    return RunState(
        run_id=event.run_id,
        task_id=event.task_id,
        app_id=event.app_id,
        workflow_id=event.workflow_id,
        app_mode=app.mode if app is not None else event.app_mode,
        dsl=event.dsl,
        user=event.user,
        message_id=str(message_id) if message_id else None,
        started_at=event.at,
        variables={
            "sys": system,
            "env": environment_values(app) if app is not None else {},
            "conversation": conversation_values(app, event.conversation_variables) if app is not None else {},
        },
    )
