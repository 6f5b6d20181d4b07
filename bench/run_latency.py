"""Per-run latency of 3- and 10-node no-LLM workflows: the in-process engine, then HTTP → NATS → SSE.

Prints, for 1, 10 and 100 concurrent clients: runs/s, p50/p99 of the whole run, of the first SSE
event (``workflow_started``, which the gateway sends once the run is accepted) and of the first
node event (the orchestrator's first), the CPU time each process spent per run (less sensitive to
a loaded machine than wall time), and the orchestrator's hops taken from the stream's own
timestamps: inbox stored (``queued_at``) → orchestrator step → run events stored, plus the
gateway's part before it (run stamped → inbox stored). Run from the repository root: ``make bench`` (or
``uv run python bench/run_latency.py --runs 500``). Figures depend on the machine; compare them only
with figures taken on the same one, and read them with the load average printed beside them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import nats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from proc_stats import cpu_seconds, load_average  # noqa: E402
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


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _report(label: str, samples_ms: list[float], wall_s: float) -> None:
    print(
        f"{label:<44} n={len(samples_ms):<5} p50={pct(samples_ms, 0.50):8.3f} ms  "
        f"p99={pct(samples_ms, 0.99):8.3f} ms  mean={statistics.fmean(samples_ms):8.3f} ms  "
        f"{len(samples_ms) / wall_s:9.1f} runs/s",
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


@dataclass
class Batch:
    """What one load level measured."""

    total_ms: list[float] = field(default_factory=list)
    first_event_ms: list[float] = field(default_factory=list)
    first_node_ms: list[float] = field(default_factory=list)
    run_ids: list[str] = field(default_factory=list)


async def _one_streaming_run(client: aiohttp.ClientSession, key: str, i: int, batch: Batch | None) -> None:
    t0 = time.perf_counter()
    first = first_node = None
    async with client.post(
        "/v1/workflows/run",
        json={"inputs": {"name": f"n{i}"}, "response_mode": "streaming", "user": "bench"},
        headers={"Authorization": f"Bearer {key}"},
    ) as response:
        if response.status != 200:
            raise RuntimeError(f"run refused: HTTP {response.status} {(await response.read())[:300]!r}")
        last = ""
        async for raw in response.content:
            if raw.startswith(b"data: "):
                if first is None:
                    first = time.perf_counter()
                if first_node is None and b'"node_started"' in raw:
                    first_node = time.perf_counter()
                last = raw.decode().rstrip()
    done = time.perf_counter()
    assert '"workflow_finished"' in last and '"succeeded"' in last, last
    if batch is not None:
        batch.total_ms.append((done - t0) * 1000)
        batch.first_event_ms.append(((first or done) - t0) * 1000)
        batch.first_node_ms.append(((first_node or done) - t0) * 1000)
        batch.run_ids.append(json.loads(last[len("data: ") :])["workflow_run_id"])


@contextlib.asynccontextmanager
async def _warm_client(base_url: str, key: str, connections: int) -> AsyncIterator[aiohttp.ClientSession]:
    """An HTTP client (``connections`` at most, 0 for no limit) after five untimed runs."""
    # aiohttp, not httpx: the client shares the two cores with the services, and at 10 clients
    # httpx used ~2.6 ms of CPU per run against aiohttp's ~1 ms.
    connector = aiohttp.TCPConnector(limit=connections)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as client:
        for i in range(5):
            await _one_streaming_run(client, key, i, None)
        yield client


async def bench_http(base_url: str, key: str, runs: int, concurrency: int) -> tuple[Batch, float]:
    """``runs`` streaming runs by ``concurrency`` clients; the batch and its wall time in seconds."""
    batch = Batch()
    async with _warm_client(base_url, key, concurrency + 4) as client:
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(runs):
            queue.put_nowait(i)

        async def worker() -> None:
            while not queue.empty():
                await _one_streaming_run(client, key, queue.get_nowait(), batch)

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return batch, time.perf_counter() - start


async def bench_http_rate(base_url: str, key: str, runs: int, rate: float) -> tuple[Batch, float]:
    """``runs`` streaming runs started at ``rate`` per second whatever is still running (an open
    loop: what a client sees at that load, where N clients measure the platform saturated)."""
    batch = Batch()
    async with _warm_client(base_url, key, 0) as client:
        loop = asyncio.get_running_loop()
        start = loop.time()
        started = []
        for i in range(runs):
            await asyncio.sleep(max(0.0, start + i / rate - loop.time()))
            started.append(asyncio.ensure_future(_one_streaming_run(client, key, i, batch)))
        await asyncio.gather(*started)
        return batch, loop.time() - start


async def hops(nats_url: str, run_ids: list[str]) -> dict[str, list[float]]:
    """Per orchestrator step, from the logged inbox events and the stream timestamps (ms).

    ``accept``: the gateway stamps the request (``at``) → JetStream stored it in the inbox
    (``queued_at``): the gateway's own records and publish; ``queue``: stored → the step starts
    (``processed_at``); ``step``: step start → its last run event stored; ``hop``: inbox stored →
    the step's last run event stored. A step's run events are those stored after its log entry
    and before the next one.
    """
    nc = await nats.connect(nats_url)
    js = nc.jetstream()
    found: dict[str, list[float]] = {"accept": [], "queue": [], "step": [], "hop": []}
    for run_id in run_ids:
        log = await read_subject(js, subjects.RUN_LOG_STREAM, subjects.run_log(run_id))
        events = await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_events(run_id))
        stored = [e.time.timestamp() for e in events if e.time is not None]
        logged = [m.time.timestamp() for m in log if m.time is not None]
        for i, message in enumerate(log):
            event = parse_inbox_event(message.data or b"")
            until = logged[i + 1] if i + 1 < len(logged) else float("inf")
            mine = [t for t in stored if logged[i] <= t < until]
            if not mine or event.processed_at is None or event.queued_at is None:
                continue
            found["accept"].append((event.queued_at - event.at) * 1000)
            found["queue"].append((event.processed_at - event.queued_at) * 1000)
            found["step"].append((max(mine) - event.processed_at) * 1000)
            found["hop"].append((max(mine) - event.queued_at) * 1000)
    await nc.close()
    return found


def _line(label: str, samples: list[float]) -> str:
    if not samples:  # an orchestrator older than queued_at
        return f"{label:<44} n=0"
    return (
        f"{label:<44} n={len(samples):<5} p50={pct(samples, 0.5):8.3f} ms  p99={pct(samples, 0.99):8.3f} ms"
    )


def run_level(
    platform: Platform,
    server: NatsServerProcess,
    label: str,
    key: str,
    runs: int,
    clients: int = 0,
    rate: float = 0.0,
) -> None:
    """One load level: ``clients`` running one run after another, or runs started at ``rate``/s."""
    pids = {name: service.proc.pid for name, service in platform.services.items() if service.proc is not None}
    pids["nats-server"] = server.pid or 0
    before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    client_before = time.process_time()
    if rate:
        batch, wall = asyncio.run(bench_http_rate(platform.base_url, key, runs, rate))
        level = f"{rate:g} runs/s offered"
    else:
        batch, wall = asyncio.run(bench_http(platform.base_url, key, runs, clients))
        level = f"{clients} clients"
    cpu = {name: (cpu_seconds(pid) - before[name]) * 1000 / runs for name, pid in pids.items()}
    cpu["bench client"] = (time.process_time() - client_before) * 1000 / runs
    print(f"HTTP -> NATS -> SSE, {label}, {level} ({load_average()})")
    _report("  whole run", batch.total_ms, wall)
    print(_line("  first SSE event", batch.first_event_ms))
    print(_line("  first node event (the orchestrator's first)", batch.first_node_ms))
    print("  CPU per run: " + ", ".join(f"{name} {ms:.2f} ms" for name, ms in cpu.items()))
    # Spread over the level, not its first runs: at 100 clients those all start at once.
    sample = batch.run_ids[:: max(1, len(batch.run_ids) // 200)][:200]
    found = asyncio.run(hops(server.url, sample))
    print(_line("  gateway: run stamped -> inbox stored", found["accept"]))
    print(_line("  hop: inbox stored -> events stored", found["hop"]))
    print(_line("    queue: inbox stored -> step starts", found["queue"]))
    print(_line("    step: step starts -> events stored", found["step"]), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=300)
    parser.add_argument("--concurrency", type=int, nargs="*", default=[1, 10, 100])
    parser.add_argument(
        "--rates", type=float, nargs="*", default=[], help="also start runs at these rates (runs/s)"
    )
    parser.add_argument("--workflows", nargs="*", default=list(WORKFLOWS), choices=list(WORKFLOWS))
    parser.add_argument("--skip-engine", action="store_true", help="only the HTTP path")
    args = parser.parse_args()

    print(f"bench/run_latency.py, {load_average()}")
    if not args.skip_engine:
        for label in args.workflows:
            bench_engine(label, WORKFLOWS[label], args.runs * 5)
    with tempfile.TemporaryDirectory() as tmp, NatsServerProcess(Path(tmp) / "nats") as server:
        # A benchmark is one key running far more than a client's fair share: no rate limit.
        platform = Platform(server.url, Path(tmp), extra_env={"GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000"})
        platform.start("gateway")
        platform.start("orchestrator")
        try:
            platform.wait_for_gateway(timeout=600)
            for label in args.workflows:
                key = platform.import_app(WORKFLOWS[label])["api_key"]
                for clients in args.concurrency:
                    run_level(platform, server, label, key, args.runs, clients=clients)
                for rate in args.rates:
                    run_level(platform, server, label, key, args.runs, rate=rate)
        finally:
            platform.stop_all()


if __name__ == "__main__":
    main()
