"""Per-run latency of a 3-node, no-LLM workflow: the in-process engine, then HTTP → NATS → SSE.

Prints p50/p99 and runs/s. Run from the repository root: ``make bench`` (or
``uv run python bench/run_latency.py --runs 500``). Figures depend on the machine; compare them
only with figures taken on the same one.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from riverflow.engine import run_in_process  # noqa: E402
from riverflow.runtime.nats_server import NatsServerProcess  # noqa: E402
from tests.platform import Platform  # noqa: E402

WORKFLOW = ROOT / "bench" / "workflows" / "three_node.yml"


def _report(label: str, samples_ms: list[float], wall_s: float) -> None:
    samples = sorted(samples_ms)
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    print(
        f"{label:<44} n={len(samples):<5} p50={p(0.50):8.3f} ms  p99={p(0.99):8.3f} ms  "
        f"mean={statistics.fmean(samples):8.3f} ms  {len(samples) / wall_s:9.1f} runs/s",
        flush=True,
    )


def bench_engine(runs: int) -> None:
    dsl = WORKFLOW.read_text()
    run_in_process(dsl, {"name": "warm-up"})
    samples = []
    start = time.perf_counter()
    for i in range(runs):
        t0 = time.perf_counter()
        outcome = run_in_process(dsl, {"name": f"n{i}"})
        samples.append((time.perf_counter() - t0) * 1000)
        assert outcome.status == "succeeded", outcome.error
    _report("in-process engine, 3 nodes", samples, time.perf_counter() - start)


async def _one_streaming_run(client: httpx.AsyncClient, key: str, i: int) -> float:
    t0 = time.perf_counter()
    async with client.stream(
        "POST",
        "/v1/workflows/run",
        json={"inputs": {"name": f"n{i}"}, "response_mode": "streaming", "user": "bench"},
        headers={"Authorization": f"Bearer {key}"},
    ) as response:
        last = ""
        async for line in response.aiter_lines():
            if line.startswith("data: "):
                last = line
    assert '"workflow_finished"' in last and '"succeeded"' in last, last
    return (time.perf_counter() - t0) * 1000


async def bench_http(base_url: str, key: str, runs: int, concurrency: int) -> None:
    limits = httpx.Limits(max_connections=concurrency + 4)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        for i in range(5):
            await _one_streaming_run(client, key, i)
        samples: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(runs):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                samples.append(await _one_streaming_run(client, key, queue.get_nowait()))

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        _report(f"HTTP -> NATS -> SSE, 3 nodes, {concurrency} clients", samples, time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 10])
    args = parser.parse_args()

    bench_engine(args.runs * 5)
    with tempfile.TemporaryDirectory() as tmp, NatsServerProcess(Path(tmp) / "nats") as nats:
        platform = Platform(nats.url, Path(tmp))
        platform.start("gateway")
        platform.start("orchestrator")
        try:
            platform.wait_for_gateway()
            key = platform.import_app(WORKFLOW)["api_key"]
            for concurrency in args.concurrency:
                asyncio.run(bench_http(platform.base_url, key, args.runs, concurrency))
        finally:
            platform.stop_all()


if __name__ == "__main__":
    main()
