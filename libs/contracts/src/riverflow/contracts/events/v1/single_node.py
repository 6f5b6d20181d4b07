"""Single-step run: the console runs one node of a draft, the values it reads given by the user."""

from __future__ import annotations

from typing import Any

from pydantic import Field
from riverflow.contracts.events.v1.inbox_base import Contract

__all__ = ["SingleNodeRun"]


class SingleNodeRun(Contract):
    """Carried by a ``RunRequested`` that runs only ``node_id`` (Dify's "Run this step").

    The engine runs that node alone (no edges are followed) with ``variables`` in its pool.
    """

    node_id: str = Field(
        description="The node to run; not a start, end or answer node, nor one inside a container."
    )
    variables: dict[str, dict[str, Any]] = Field(
        default_factory=dict,
        description="Pool entries ``{owner: {name: value}}`` the node reads: other nodes' outputs, and "
        "sys/env/conversation values that override the run's own.",
    )
