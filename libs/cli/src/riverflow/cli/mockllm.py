"""``riverflow mockllm``: serve the shipped OpenAI-compatible mock model in the foreground.

Point any OpenAI client (or litellm with ``openai/<model>`` and ``api_base``) at the printed base URL.
See ``riverflow.mockllm.script`` for scripted replies; ``/mock/calls`` counts calls per idempotency key.
"""

from __future__ import annotations

import argparse

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    from riverflow.mockllm.server import serve  # the web stack loads only when the mock runs

    return serve(args)


def register(subparsers: argparse._SubParsersAction) -> None:
    try:
        from riverflow.mockllm.options import add_arguments
    except ImportError:  # an install without the mock (a single service's image)
        return
    parser = subparsers.add_parser("mockllm", help="serve the deterministic OpenAI-compatible mock model")
    add_arguments(parser)
    parser.set_defaults(func=_run)
