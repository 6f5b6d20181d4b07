"""``riverflow run FILE``: run a Dify workflow DSL in-process (no services), print its outcome."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from riverflow.engine import DslError, InputError, parse_app, run_in_process, validate_inputs

__all__ = ["register"]


def _run(args: argparse.Namespace) -> int:
    try:
        app = parse_app(Path(args.file).read_bytes())
        inputs = validate_inputs(app, json.loads(args.inputs))
    except (DslError, InputError) as exc:
        print(f"riverflow run: {exc}", file=sys.stderr)
        return 2
    except (OSError, json.JSONDecodeError) as exc:
        print(f"riverflow run: {exc}", file=sys.stderr)
        return 2
    outcome = run_in_process(app, inputs, system={"query": args.query} if args.query else None)
    if args.events:
        for event in outcome.events:
            print(json.dumps({"event": event.event, "data": event.data}, ensure_ascii=False))
    print(json.dumps({"status": outcome.status, "outputs": outcome.outputs, "error": outcome.error},
                     ensure_ascii=False, indent=2))
    return 0 if outcome.status in ("succeeded", "partial-succeeded") else 1


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("run", help="run a workflow DSL file in-process, without services")
    parser.add_argument("file", help="Dify DSL (YAML)")
    parser.add_argument("--inputs", default="{}", help="start inputs as a JSON object")
    parser.add_argument("--query", default="", help="sys.query, for chatflows")
    parser.add_argument("--events", action="store_true", help="also print every run event")
    parser.set_defaults(func=_run)
