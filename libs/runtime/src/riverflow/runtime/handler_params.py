"""Handler parameters for FastStream NATS subscribers, resolved on the event loop.

FastStream's own ``NatsMessage``/``NatsBroker`` annotations are ``Context`` fields whose ``use`` is
synchronous, and fast_depends runs a synchronous field in a worker thread: one thread hop per
message, for a dictionary lookup. On the run inbox that is a hop per streamed token. These
annotations resolve the same context values with an ``async`` ``use``, so nothing leaves the loop.
"""

from __future__ import annotations

from typing import Annotated, Any

# The class behind faststream.Context (which is a factory function); faststream is pinned and
# tests/test_handler_params.py checks the behaviour this relies on.
from faststream._internal.context import Context
from faststream.nats import NatsBroker
from faststream.nats.message import NatsMessage

__all__ = ["Message", "Broker", "LoopContext"]


class LoopContext(Context):
    """``Context`` resolved on the event loop."""

    async def use(self, /, **kwargs: Any) -> dict[str, Any]:  # type: ignore[override]
        return super().use(**kwargs)


Message = Annotated[NatsMessage, LoopContext("message")]
Broker = Annotated[NatsBroker, LoopContext("broker")]
