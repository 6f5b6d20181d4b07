"""The base every run inbox event shares: unknown fields kept, the ``processed_at`` clock and the
``queued_at`` stamp."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

__all__ = ["Contract", "InboxEventBase"]


class Contract(BaseModel):
    """A bus model: unknown fields from a newer producer are kept (contracts evolve by adding)."""

    model_config = ConfigDict(extra="allow")


class InboxEventBase(Contract):
    """An inbox event (subclasses declare ``at``, the time it was made)."""

    #: Set by the orchestrator when it first applies the event, and logged with it: the run's
    #: clock for that step (elapsed times), fixed in the log so folding it again is deterministic.
    processed_at: float | None = None
    #: When JetStream stored the event in the run inbox (the orchestrator copies it from the
    #: message it received; logged with the event). Time spent queued is ``processed_at`` minus this.
    queued_at: float | None = None

    @property
    def now(self) -> float:
        """The time the engine uses for this step: when it was processed, else when it was made."""
        return self.processed_at if self.processed_at is not None else self.at  # type: ignore[attr-defined]
