"""Logging setup: one line per record, service name first; secrets never formatted in."""

from __future__ import annotations

import logging
import sys

__all__ = ["setup_logging"]


def setup_logging(service: str, level: str = "INFO") -> logging.Logger:
    """Configure the root logger once for ``service`` and return the service's logger."""
    root = logging.getLogger()
    if not any(getattr(h, "_riverflow", False) for h in root.handlers):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter(f"%(asctime)s {service} %(levelname)s %(name)s: %(message)s"))
        handler._riverflow = True  # type: ignore[attr-defined]
        root.addHandler(handler)
    root.setLevel(level.upper())
    return logging.getLogger(f"riverflow.{service}")
