"""Commands: what the engine asks its driver to do after an ``advance`` step."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel
from riverflow.contracts.events.v1 import NodeTaskRequested, RunEvent

__all__ = ["Command", "EmitRunEvent", "DispatchNodeTask"]


class EmitRunEvent(BaseModel):
    """Publish one client-facing run event."""

    kind: Literal["emit"] = "emit"
    event: RunEvent


class DispatchNodeTask(BaseModel):
    """Send a node task to the service that executes it (``subject`` from ``subjects.node_task``)."""

    kind: Literal["dispatch"] = "dispatch"
    subject: str
    task: NodeTaskRequested


Command = EmitRunEvent | DispatchNodeTask
