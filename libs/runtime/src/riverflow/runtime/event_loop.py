"""The services' event loop: uvloop (libuv), which runs the same asyncio code with less CPU per
message and per socket write than the pure-Python loop; the gateway gets it through uvicorn.
The orchestrator keeps the standard loop: uvloop's subprocesses cannot drop to another user,
which its code sandbox does."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

__all__ = ["run"]

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """``asyncio.run`` on a uvloop event loop."""
    return uvloop.run(main)
