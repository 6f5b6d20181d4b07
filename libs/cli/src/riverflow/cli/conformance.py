"""``riverflow conformance``: run a folder of Dify case files through the in-process engine.

Each case file (format: the corpus' ``cases/README.md``) names a fixture DSL, inputs, node mocks
and expectations. One line per case (``PASS``/``FAIL`` name: why), then ``N passed, M failed``;
the exit status is 1 when a case failed. Code nodes whose mock only describes a handler run their
real code (see ``riverflow test`` for ``--code-runner``). As in Dify's graph-engine tests, inputs
reach the start node as given (a case may set ``"raw_inputs": false`` for the app's form rules).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from riverflow.cli.workflow_test import add_common_options, code_runner_of, report, run_case_file

__all__ = ["register"]


def _conformance(args: argparse.Namespace) -> int:
    cases_dir, fixtures_dir = Path(args.cases), Path(args.fixtures)
    for label, folder in (("--cases", cases_dir), ("--fixtures", fixtures_dir)):
        if not folder.is_dir():
            print(f"riverflow conformance: {label} {folder} is not a directory", file=sys.stderr)
            return 2
    runner = code_runner_of(args)
    paths = sorted(cases_dir.glob("*.json"))
    results = [run_case_file(p, [fixtures_dir], runner, raw_inputs=True) for p in paths]
    return report(results, args.json)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "conformance", help="run Dify conformance case files (DSL + mocks + expectations) in-process"
    )
    parser.add_argument("--cases", required=True, help="folder of case files (*.json)")
    parser.add_argument("--fixtures", required=True, help="folder the cases' 'fixture' paths are relative to")
    add_common_options(parser)
    parser.set_defaults(func=_conformance)
