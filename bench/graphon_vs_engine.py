"""The same 3-node DSL run by Dify's engine ``graphon`` and by Riverflow's in-process engine.

Riverflow's side runs here (``riverflow.engine.run_in_process``). graphon 0.8.0 needs Python 3.12,
so its side runs as a subprocess in a throwaway venv, ``.riverflow/bench-graphon`` (created and
``pip install graphon==0.8.0`` on first use; never a dependency of the workspace). Each side loads
the DSL text and runs it to the end, ``--runs`` times after a warm-up; both print per-run p50/mean
and the ratio. When Python 3.12 or graphon is unavailable the graphon side says so and only
Riverflow's figures are printed. Run from the repository root:
``uv run python bench/graphon_vs_engine.py [--runs 500] [--python /path/to/python3.12]``.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from proc_stats import load_average  # noqa: E402

DSL = ROOT / "bench" / "workflows" / "three_node.yml"
VENV = ROOT / ".riverflow" / "bench-graphon"
GRAPHON = "graphon==0.8.0"
PYTHON_312 = ("/root/.pyenv/versions/3.12.1/bin/python3.12", "python3.12")

#: graphon's side, run by the 3.12 venv's interpreter: argv = DSL path, runs; prints one JSON line.
GRAPHON_SIDE = """
import json, sys, time
from graphon.dsl import loads
from graphon.engine_events.graph import GraphRunSucceededEvent

dsl, runs = open(sys.argv[1], encoding="utf-8").read(), int(sys.argv[2])

def once(i):
    engine = loads(dsl, credentials={}, workflow_id="bench-three-node", start_inputs={"name": f"n{i}"})
    events = list(engine.run())
    if not events or not isinstance(events[-1], GraphRunSucceededEvent):
        raise SystemExit(f"graphon: the run did not succeed: {type(events[-1]).__name__ if events else None}")
    return events[-1].outputs

outputs = once(0)
samples = []
for i in range(runs):
    t0 = time.perf_counter()
    once(i + 1)
    samples.append((time.perf_counter() - t0) * 1000)
print(json.dumps({"samples_ms": samples, "outputs": outputs}, default=str))
"""


def _pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def riverflow_side(runs: int) -> list[float]:
    from riverflow.engine import run_in_process

    dsl = DSL.read_text()
    outcome = run_in_process(dsl, {"name": "n0"})
    assert outcome.status == "succeeded", outcome.error
    samples = []
    for i in range(runs):
        t0 = time.perf_counter()
        run_in_process(dsl, {"name": f"n{i + 1}"})
        samples.append((time.perf_counter() - t0) * 1000)
    return samples


def _python_312(explicit: str | None) -> str | None:
    for candidate in ([explicit] if explicit else []) + list(PYTHON_312):
        found = candidate if Path(candidate).is_file() else shutil.which(candidate)
        if found:
            return found
    return None


def graphon_side(runs: int, python: str | None) -> tuple[list[float] | None, str]:
    """graphon's samples, or None and why not."""
    interpreter = _python_312(python)
    if interpreter is None:
        return None, "Python 3.12 not found (pass --python)"
    venv_python = VENV / "bin" / "python"
    has_pip = (
        venv_python.exists()
        and subprocess.run([str(venv_python), "-m", "pip", "--version"], capture_output=True).returncode == 0
    )
    if not has_pip:  # a first use, or one interrupted while the venv was being made
        made = subprocess.run(
            [interpreter, "-m", "venv", "--clear", str(VENV)], capture_output=True, text=True
        )
        if made.returncode != 0:
            return None, f"could not create {VENV}: {made.stderr.strip()[-300:]}"
    check = subprocess.run([str(venv_python), "-c", "import graphon"], capture_output=True)
    if check.returncode != 0:
        print(f"installing {GRAPHON} into {VENV} (once) ...", flush=True)
        installed = subprocess.run(
            [str(venv_python), "-m", "pip", "install", "--quiet", GRAPHON], capture_output=True, text=True
        )
        if installed.returncode != 0:
            return None, f"pip install {GRAPHON} failed: {installed.stderr.strip()[-500:]}"
    script = VENV / "graphon_side.py"
    script.write_text(GRAPHON_SIDE)
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    done = subprocess.run(
        [str(venv_python), str(script), str(DSL), str(runs)], capture_output=True, text=True, env=env
    )
    if done.returncode != 0:
        return None, f"graphon's run failed: {(done.stderr or done.stdout).strip()[-800:]}"
    result = json.loads(done.stdout.strip().splitlines()[-1])
    print(f"graphon outputs: {result['outputs']}")
    return result["samples_ms"], ""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=500)
    parser.add_argument("--python", help="a Python 3.12 interpreter for graphon's side")
    args = parser.parse_args()
    print(f"bench/graphon_vs_engine.py, {DSL.name}, {args.runs} runs ({load_average()})")
    ours = riverflow_side(args.runs)
    theirs, why = graphon_side(args.runs, args.python)
    rows = [("Riverflow engine (run_in_process)", ours)]
    if theirs is not None:
        rows.append((f"graphon {GRAPHON.split('==')[1]} (dsl.loads + run)", theirs))
    for label, samples in rows:
        print(
            f"{label:<40} p50 {_pct(samples, 0.5):8.3f} ms  p99 {_pct(samples, 0.99):8.3f} ms  "
            f"mean {statistics.fmean(samples):8.3f} ms  min {min(samples):8.3f} ms"
        )
    if theirs is None:
        print(f"graphon side unavailable: {why}")
        return
    print(
        f"ratio graphon / Riverflow: {_pct(theirs, 0.5) / _pct(ours, 0.5):.1f}x (p50), "
        f"{min(theirs) / min(ours):.1f}x (fastest run) ({load_average()})"
    )


if __name__ == "__main__":
    main()
