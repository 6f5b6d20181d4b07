"""Many concurrent streaming chats against the mock model: do all finish, what does the platform add?

Starts nats-server, the mock model (``riverflow.mockllm``, its own process), the gateway, the
orchestrator and the agent; imports the fixture ``basic_chatflow.yml`` (start → LLM → answer) and
opens ``--chats`` streaming ``/v1/chat-messages`` requests at once. The mock streams the query back
one word per ``--token-latency-ms``, so each answer takes ``--answer-seconds`` at the model.
Prints how many finished, the added latency (client-measured duration minus the model's own
answer time) p50/p99, and the peak RSS of every process. Goal on a 2-core machine: 1,000 chats,
≤ 100 ms added p99, ≤ 1 GiB in all. Run from the repository root:
``uv run python bench/chat_load.py [--chats 1000] [--answer-seconds 2]``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

from mock_process import mock_model  # noqa: E402
from proc_stats import cpu_seconds, load_average, peak_rss_mib  # noqa: E402
from riverflow.runtime.nats_server import NatsServerProcess  # noqa: E402
from run_latency import pct  # noqa: E402

from tests.platform import Platform  # noqa: E402

DSL = ROOT.parent / "shared" / "conformance" / "dify-fixtures" / "basic_chatflow.yml"


async def model_alone(base_url: str, query: str, calls: int) -> list[float]:
    """The mock's own answer time (seconds), streamed straight from it, ``calls`` at once."""
    async with httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=calls + 4)) as client:

        async def one() -> float:
            t0 = time.perf_counter()
            body = {
                "model": "riverflow-mock",
                "stream": True,
                "messages": [{"role": "user", "content": query}],
            }
            async with client.stream("POST", f"{base_url}/chat/completions", json=body) as response:
                async for _ in response.aiter_lines():
                    pass
            return time.perf_counter() - t0

        return list(await asyncio.gather(*(one() for _ in range(calls))))


async def chats(
    base_url: str, key: str, query: str, count: int
) -> tuple[list[float], list[str], dict[str, list[float]]]:
    """``count`` streaming chats at once; each one's duration (s), the failures, and the phases:
    request → first event, first event → first token, first token → last token (s)."""
    durations: list[float] = []
    failures: list[str] = []
    phases: dict[str, list[float]] = {"first event": [], "to first token": [], "tokens": []}
    # aiohttp, not httpx: for a thousand streams the client used 3.6 CPU-seconds instead of 21.6,
    # on the two cores the services share with it.
    connector = aiohttp.TCPConnector(limit=count + 8)
    timeout = aiohttp.ClientTimeout(total=600)
    async with aiohttp.ClientSession(base_url, connector=connector, timeout=timeout) as client:

        async def one(i: int) -> None:
            t0 = time.perf_counter()
            last, ended = "", False
            first_event = first_token = last_token = 0.0
            try:
                async with client.post(
                    "/v1/chat-messages",
                    json={"query": query, "inputs": {}, "response_mode": "streaming", "user": f"u{i}"},
                    headers={"Authorization": f"Bearer {key}"},
                ) as response:
                    if response.status != 200:
                        failures.append(f"HTTP {response.status}: {(await response.read())[:200]!r}")
                        return
                    async for raw in response.content:
                        line = raw.decode()
                        if line.startswith("data: "):
                            now = time.perf_counter()
                            first_event = first_event or now
                            if line.startswith('data: {"event":"message"'):
                                first_token, last_token = first_token or now, now
                            last = line.rstrip()
                            ended = ended or line.startswith('data: {"event":"message_end"')
            except (aiohttp.ClientError, TimeoutError) as exc:
                failures.append(f"{type(exc).__name__}: {exc}")
                return
            event = json.loads(last[len("data: ") :]) if last else {}
            # A chatflow's stream: ... message_end, then workflow_finished (succeeded).
            succeeded = event.get("event") == "workflow_finished" and event["data"]["status"] == "succeeded"
            if not (ended and succeeded):
                failures.append(f"ended with {last[:300]}")
                return
            durations.append(time.perf_counter() - t0)
            if first_token:
                phases["first event"].append(first_event - t0)
                phases["to first token"].append(first_token - first_event)
                phases["tokens"].append(last_token - first_token)

        await asyncio.gather(*(one(i) for i in range(count)))
    return durations, failures, phases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chats", type=int, default=1000)
    parser.add_argument("--answer-seconds", type=float, default=2.0)
    parser.add_argument("--tokens", type=int, default=20, help="words in the query, so tokens per answer")
    args = parser.parse_args()
    if not DSL.is_file():
        sys.exit(f"fixture not found: {DSL}")
    query = " ".join(f"w{i}" for i in range(args.tokens))
    token_ms = args.answer_seconds * 1000 / args.tokens
    print(
        f"bench/chat_load.py: {args.chats} chats, {args.tokens} tokens {token_ms:.0f} ms apart "
        f"({load_average()})"
    )
    with tempfile.TemporaryDirectory() as tmp, mock_model(token_ms) as (mock_url, mock_proc):
        alone = asyncio.run(model_alone(mock_url, query, 20))
        model_s = pct(alone, 0.5)
        print(f"model alone (20 at once): p50 {model_s * 1000:.0f} ms, p99 {pct(alone, 0.99) * 1000:.0f} ms")
        with NatsServerProcess(Path(tmp) / "nats") as server:
            env = {
                "AGENT_DEFAULT_MODEL_BASE_URL": mock_url,
                "AGENT_HEALTH_PORT": "0",
                # One key opens all the chats at once: far above a client's fair share.
                "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000",
            }
            platform = Platform(server.url, Path(tmp), extra_env=env)
            try:
                for name in ("gateway", "orchestrator", "agent"):
                    platform.start(name)
                platform.wait_for_gateway(timeout=600)
                key = platform.import_app(DSL)["api_key"]
                _, failed, _ = asyncio.run(chats(platform.base_url, key, query, 3))
                assert not failed, failed
                pids = {n: s.proc.pid for n, s in platform.services.items() if s.proc is not None}
                pids["nats-server"] = server.pid or 0
                pids["mock model"] = mock_proc.pid
                before = {n: cpu_seconds(p) for n, p in pids.items()}
                client_before = resource.getrusage(resource.RUSAGE_SELF)
                print(f"opening {args.chats} chats", flush=True)
                start = time.perf_counter()
                durations, failures, phases = asyncio.run(chats(platform.base_url, key, query, args.chats))
                wall = time.perf_counter() - start
                cpu = {n: cpu_seconds(p) - before[n] for n, p in pids.items()}
                client = resource.getrusage(resource.RUSAGE_SELF)
                # The services are the client's children: its own time only, not cpu_seconds.
                cpu["bench client"] = (client.ru_utime + client.ru_stime) - (
                    client_before.ru_utime + client_before.ru_stime
                )
                rss = {n: peak_rss_mib(p) for n, p in pids.items()}
                if failures:  # the services' own account of what went wrong, before the logs go
                    for name, service in platform.services.items():
                        errors = [line for line in service.log().splitlines() if "Error" in line]
                        for line in errors[-5:]:
                            print(f"  {name}: {line[:300]}")
            finally:
                platform.stop_all()
    print(f"finished: {len(durations)}/{args.chats} in {wall:.1f} s ({load_average()})")
    for failure in failures[:5]:
        print(f"  failed: {failure}")
    if durations:
        added = [(d - model_s) * 1000 for d in durations]
        print(
            f"chat duration p50 {pct(durations, 0.5) * 1000:.0f} ms, p99 {pct(durations, 0.99) * 1000:.0f} ms"
        )
        print(
            f"added by the platform (duration - model alone): p50 {pct(added, 0.5):.0f} ms, "
            f"p99 {pct(added, 0.99):.0f} ms"
        )
        spans = [f"{n} {pct(v, 0.5) * 1e3:.0f} / {pct(v, 0.99) * 1e3:.0f} ms" for n, v in phases.items()]
        print("phases p50 / p99: " + ", ".join(spans))
    print(
        "peak RSS: "
        + ", ".join(f"{n} {m:.0f} MiB" for n, m in rss.items())
        + f"; total {sum(rss.values()):.0f} MiB"
    )
    print("CPU during the load: " + ", ".join(f"{n} {s:.1f} s" for n, s in cpu.items()))


if __name__ == "__main__":
    main()
