"""Human input: a person submitted the form of a paused human-input node (resumes the run)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["HumanInputSubmitted"]


class HumanInputSubmitted(BaseModel):
    """Published by the gateway to ``run_inbox(run_id)`` when a paused form is submitted.

    ``action_id`` is the chosen ``user_actions[].id`` (the branch the run follows); ``inputs``
    are the form fields by ``output_variable_name``. Like every inbox event it carries the
    ``processed_at`` and ``queued_at`` stamps the orchestrator sets when it first applies it.
    """

    # Unknown fields from a newer producer are kept, never rejected: contracts evolve by adding.
    model_config = ConfigDict(extra="allow")

    kind: Literal["human_input_submitted"] = "human_input_submitted"
    event_id: str = Field(description="De-duplication id, e.g. '<run_id>:<node_id>:form'.")
    run_id: str
    node_id: str
    action_id: str
    inputs: dict[str, Any] = Field(default_factory=dict)
    at: float
    processed_at: float | None = None
    queued_at: float | None = None

    @property
    def now(self) -> float:
        """The time the engine uses for this step: when it was processed, else when it was made."""
        return self.processed_at if self.processed_at is not None else self.at
