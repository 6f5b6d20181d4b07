"""Riverflow's mock model: a deterministic OpenAI-compatible HTTP server (``riverflow mockllm``).

Names load lazily, so ``riverflow.mockllm.options`` (the CLI flags) imports without the web stack.
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = ["MockConfig", "MockControl", "MockServer", "Script", "create_app"]

_WHERE = {
    "MockConfig": "riverflow.mockllm.app",
    "create_app": "riverflow.mockllm.app",
    "MockControl": "riverflow.mockllm.control",
    "MockServer": "riverflow.mockllm.server",
    "Script": "riverflow.mockllm.script",
}


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
