"""Per-run and per-node cost of the in-process engine: Dify's fixtures, then synthetic chains.

Dispatched nodes (LLM, tool, code, HTTP...) answer from the conformance cases' mocks (Dify's
auto-mock defaults otherwise), inside the process: no I/O, so the figures are the engine's own
cost. Prints p50/p99 per fixture, the cost per executed node, and the marginal cost of one more
node measured on template-transform chains of growing length (goal: a 3-node run ≤ 1 ms and
≤ 0.1 ms per extra node). Run from the repository root:
``uv run python bench/engine_fixtures.py [--runs 300]``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path
from typing import Any

import yaml
from riverflow.engine import AppDefinition, parse_app, parse_graph, run_in_process
from riverflow.engine.casefiles import CaseMocks
from riverflow.engine.casefiles.mocks import code_defaults

ROOT = Path(__file__).resolve().parents[1]
CONFORMANCE = ROOT.parent / "shared" / "conformance"
THREE_NODE = ROOT / "bench" / "workflows" / "three_node.yml"


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _time_runs(app: AppDefinition, case: dict[str, Any], runs: int) -> tuple[list[float], int, str]:
    system = {"query": case["query"]} if case.get("query") is not None else {}
    inputs = case.get("inputs") or {}

    def once() -> Any:
        # A code mock that only describes a handler gets the auto-mock defaults: no subprocess here.
        mocks = CaseMocks(case.get("mocks") or {}, real_runner=lambda task: code_defaults(task.data))
        return run_in_process(app, inputs, system=system, task_runner=mocks, human_answer=mocks.human_answer)

    outcome = once()  # warm-up: parse and graph caches, Jinja compilation
    nodes = sum(1 for e in outcome.events if e.event == "node_started")
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        once()
        samples.append((time.perf_counter() - t0) * 1000)
    return samples, nodes, outcome.status


def _fixture_cases() -> list[tuple[str, AppDefinition, dict[str, Any]]]:
    """One case per runnable fixture (its first case file)."""
    chosen: dict[str, tuple[str, AppDefinition, dict[str, Any]]] = {}
    for path in sorted((CONFORMANCE / "cases").glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        fixture = case["fixture"]
        if fixture in chosen:
            continue
        text = (CONFORMANCE / "dify-fixtures" / fixture).read_text(encoding="utf-8")
        try:
            app = (
                parse_graph(yaml.safe_load(text))
                if fixture.startswith("builder_restricted/")
                else parse_app(text)
            )
        except Exception:  # noqa: BLE001 - fixtures that do not import are not benchmarked
            continue
        chosen[fixture] = (fixture, app, case)
    return list(chosen.values())


def _chain(extra: int, kind: str = "template-transform") -> AppDefinition:
    """start → ``extra`` nodes of ``kind`` (each reads the previous one's output) → end."""
    nodes: list[dict[str, Any]] = [
        {"id": "start", "data": {"type": "start", "variables": [{"variable": "name", "type": "text-input"}]}}
    ]
    previous = ["start", "name"]
    for i in range(extra):
        if kind == "template-transform":
            data = {"template": "{{ v }}!", "variables": [{"variable": "v", "value_selector": previous}]}
        else:  # variable-aggregator: no template engine, so only the engine's own work is measured
            data = {"variables": [previous]}
        nodes.append({"id": f"t{i}", "data": {"type": kind, **data}})
        previous = [f"t{i}", "output"]
    nodes.append(
        {"id": "end", "data": {"type": "end", "outputs": [{"variable": "out", "value_selector": previous}]}}
    )
    ids = [n["id"] for n in nodes]
    edges = [{"source": a, "target": b} for a, b in zip(ids, ids[1:], strict=False)]
    return parse_graph({"nodes": nodes, "edges": edges})


def _marginal(kind: str, runs: int) -> tuple[float, float]:
    """Marginal cost of one more node (ms): slopes of the p50 and of the fastest run over chain length.

    The fastest run is the least disturbed by other processes on a shared machine.
    """
    lengths = [1, 11, 51, 101]
    medians, fastest = [], []
    for extra in lengths:
        samples, nodes, status = _time_runs(_chain(extra, kind), {"inputs": {"name": "x"}}, runs)
        assert status == "succeeded"
        medians.append(_pct(samples, 0.5))
        fastest.append(min(samples))
        print(
            f"  {kind} chain of {nodes:>3} nodes: p50 {medians[-1]:8.3f} ms p99 {_pct(samples, 0.99):8.3f} ms"
            f" min {fastest[-1]:8.3f} ms"
        )
    slope = statistics.linear_regression
    return slope(lengths, medians).slope, slope(lengths, fastest).slope


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    args = parser.parse_args()

    print(f"{'fixture':<58} {'nodes':>5} {'p50 ms':>8} {'p99 ms':>8} {'ms/node':>8}  status")
    if (CONFORMANCE / "cases").is_dir():
        for fixture, app, case in _fixture_cases():
            samples, nodes, status = _time_runs(app, case, args.runs)
            p50 = _pct(samples, 0.5)
            per_node = p50 / nodes if nodes else float("nan")
            print(f"{fixture:<58} {nodes:>5} {p50:8.3f} {_pct(samples, 0.99):8.3f} {per_node:8.4f}  {status}")
    else:
        print(f"(no conformance corpus at {CONFORMANCE}: fixtures skipped)")

    samples, _, _ = _time_runs(parse_app(THREE_NODE.read_text()), {"inputs": {"name": "bench"}}, args.runs)
    print(
        f"\n3-node run (bench/workflows/three_node.yml): p50 {_pct(samples, 0.5):.3f} ms, "
        f"p99 {_pct(samples, 0.99):.3f} ms (goal ≤ 1 ms)"
    )
    for kind in ("template-transform", "variable-aggregator"):
        by_p50, by_min = _marginal(kind, max(50, args.runs // 2))
        print(f"marginal cost per extra {kind} node: {by_p50:.4f} ms (p50), {by_min:.4f} ms (min), goal 0.1")


if __name__ == "__main__":
    main()
