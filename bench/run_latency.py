"""Per-run latency of 3- and 10-node no-LLM workflows: the in-process engine, then HTTP → NATS → SSE.

Prints p50/p99 and runs/s at 1, 10 and 100 concurrent clients, and the per-hop split of the
streaming path (gateway accept → orchestrator step, taken from the run log). Run from the
repository root: ``make bench`` (or ``uv run python bench/run_latency.py --runs 500``). Figures
depend on the machine; compare them only with figures taken on the same one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

import httpx
import nats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from riverflow.contracts import subjects  # noqa: E402
from riverflow.contracts.events.v1 import parse_inbox_event  # noqa: E402
from riverflow.engine import run_in_process  # noqa: E402
from riverflow.runtime.nats_server import NatsServerProcess  # noqa: E402
from riverflow.runtime.streams import read_subject  # noqa: E402

from tests.platform import Platform  # noqa: E402

WORKFLOWS = {
    "3 nodes": ROOT / "bench" / "workflows" / "three_node.yml",
    "10 nodes": ROOT / "bench" / "workflows" / "ten_node.yml",
}


def _report(label: str, samples_ms: list[float], wall_s: float) -> None:
    samples = sorted(samples_ms)
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    print(
        f"{label:<44} n={len(samples):<5} p50={p(0.50):8.3f} ms  p99={p(0.99):8.3f} ms  "
        f"mean={statistics.fmean(samples):8.3f} ms  {len(samples) / wall_s:9.1f} runs/s",
        flush=True,
    )


def bench_engine(label: str, path: Path, runs: int) -> None:
    dsl = path.read_text()
    run_in_process(dsl, {"name": "warm-up"})
    samples = []
    start = time.perf_counter()
    for i in range(runs):
        t0 = time.perf_counter()
        outcome = run_in_process(dsl, {"name": f"n{i}"})
        samples.append((time.perf_counter() - t0) * 1000)
        assert outcome.status == "succeeded", outcome.error
    _report(f"in-process engine, {label}", samples, time.perf_counter() - start)


async def _one_streaming_run(client: httpx.AsyncClient, key: str, i: int, run_ids: list[str]) -> float:
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
    run_ids.append(json.loads(last[len("data: ") :])["workflow_run_id"])
    return (time.perf_counter() - t0) * 1000


async def bench_http(label: str, base_url: str, key: str, runs: int, concurrency: int) -> list[str]:
    limits = httpx.Limits(max_connections=concurrency + 4)
    run_ids: list[str] = []
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as client:
        for i in range(5):
            await _one_streaming_run(client, key, i, [])
        samples: list[float] = []
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(runs):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                samples.append(await _one_streaming_run(client, key, queue.get_nowait(), run_ids))

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        _report(f"HTTP -> NATS -> SSE, {label}, {concurrency} clients", samples, time.perf_counter() - start)
    return run_ids


async def report_hops(nats_url: str, run_ids: list[str]) -> None:
    """Gateway accept → orchestrator step, from the logged RunRequested (``at`` → ``processed_at``)."""
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    hops: list[float] = []
    for run_id in run_ids[:200]:
        (first,) = (await read_subject(js, subjects.RUN_LOG_STREAM, subjects.run_log(run_id)))[:1]
        event = parse_inbox_event(first.data or b"")
        hops.append(((event.processed_at or event.at) - event.at) * 1000)
    await nc.close()
    hops.sort()
    print(
        f"{'  hop: gateway accept -> orchestrator step':<44} n={len(hops):<5} "
        f"p50={hops[len(hops) // 2]:8.3f} ms  p99={hops[min(len(hops) - 1, int(0.99 * len(hops)))]:8.3f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 10, 100])
    args = parser.parse_args()

    for label, path in WORKFLOWS.items():
        bench_engine(label, path, args.runs * 5)
    with tempfile.TemporaryDirectory() as tmp, NatsServerProcess(Path(tmp) / "nats") as server:
        platform = Platform(server.url, Path(tmp))
        platform.start("gateway")
        platform.start("orchestrator")
        try:
            platform.wait_for_gateway()
            for label, path in WORKFLOWS.items():
                key = platform.import_app(path)["api_key"]
                for concurrency in args.concurrency:
                    run_ids = asyncio.run(bench_http(label, platform.base_url, key, args.runs, concurrency))
                    asyncio.run(report_hops(server.url, run_ids))
        finally:
            platform.stop_all()


if __name__ == "__main__":
    main()
