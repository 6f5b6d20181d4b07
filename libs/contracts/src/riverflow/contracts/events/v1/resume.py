"""Resume: a client asked to run a failed run again from its failed node(s)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field
from riverflow.contracts.events.v1.inbox_base import InboxEventBase

__all__ = ["RunResumeRequested"]


class RunResumeRequested(InboxEventBase):
    """Published by the gateway to ``run_inbox(run_id)``: re-run a failed run's failed node(s).

    Nodes that succeeded keep their outputs and are not executed again. ``event_id`` is unique
    per request (a run may be resumed several times); resuming a run that is not failed is a no-op.
    """

    kind: Literal["run_resume_requested"] = "run_resume_requested"
    event_id: str = Field(description="De-duplication id, unique per resume request.")
    run_id: str
    user: str = ""
    at: float = Field(description="Unix time (seconds) the request was accepted.")
