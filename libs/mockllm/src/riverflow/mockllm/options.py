"""The mock's command-line flags, in a module light enough for the ``riverflow`` CLI to import."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The mock's flags (shared by ``python -m riverflow.mockllm`` and ``riverflow mockllm``)."""
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8808, help="0 picks a free port (printed on start)")
    parser.add_argument("--models", default="riverflow-mock", help="comma-separated model ids for /v1/models")
    parser.add_argument(
        "--script", type=Path, help="YAML/JSON file of scripted replies (riverflow.mockllm.script)"
    )
    parser.add_argument("--token-latency-ms", type=float, default=0.0, help="delay between streamed tokens")
    parser.add_argument(
        "--first-token-delay-ms", type=float, default=0.0, help="delay before the first token"
    )
    parser.add_argument(
        "--fail-first", type=int, default=0, help="fail the first N calls of every idempotency key"
    )
    parser.add_argument("--fail-status", type=int, default=429, help="HTTP status of those failures")
    parser.add_argument("--embedding-dimensions", type=int, default=16)
