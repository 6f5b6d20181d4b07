"""``riverflow`` entry point: an argparse tree whose subcommands are the package's modules.

Adding a subcommand = adding a module ``riverflow/cli/<name>.py`` with
``register(subparsers: argparse._SubParsersAction) -> None`` that adds its parser and sets
``func=<callable(args) -> int>`` through ``set_defaults``. ``main`` discovers it; nothing else to edit.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys
from collections.abc import Sequence

import riverflow.cli as package

__all__ = ["build_parser", "main", "app"]

_NOT_COMMANDS = {"main", "__main__"}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="riverflow", description="Riverflow: Dify-compatible LLM apps.")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if info.name in _NOT_COMMANDS or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        register = getattr(module, "register", None)
        if callable(register):
            register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func = getattr(args, "func", None)
    if func is None:
        parser.print_help()
        return 2
    return int(func(args) or 0)


def app() -> None:
    """Console script ``riverflow``."""
    sys.exit(main())
