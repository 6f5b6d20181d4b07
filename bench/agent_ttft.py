"""Time to first token: gateway → orchestrator → agent → mock model, versus litellm calling the mock directly.

Two figures per path, p50/p99 over ``--runs`` sequential runs:

- **TTFT**: from sending the request to receiving the first token (the platform path includes
  starting the run: gateway, JetStream, orchestrator, dispatch to the agent, the model call);
- **token relay**: from the moment the mock *sent* a token (its own timestamp, same host clock)
  to the moment the client received it — what the platform adds on top of the provider; for the
  first token alone, and for every token (tokens arriving faster than the path relays them queue up).
  Tokens go agent -> JetStream (``run_chunks``) -> gateway, beside the run log, not through the
  orchestrator; the first token's trip is split at JetStream's timestamp.

Run from the repository root: ``uv run python bench/agent_ttft.py --runs 50``. Figures depend on the
machine; compare them only with figures taken on the same one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import nats

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")

from mock_process import mock_model  # noqa: E402
from riverflow.contracts import subjects  # noqa: E402
from riverflow.mockllm import MockControl  # noqa: E402
from riverflow.runtime.nats_server import NatsServerProcess  # noqa: E402
from riverflow.runtime.streams import read_subject  # noqa: E402

from tests.platform import Platform  # noqa: E402

DSL = ROOT.parent / "shared" / "conformance" / "dify-fixtures" / "basic_llm_chat_workflow.yml"
QUERY = "one two three four five six seven eight"


def _report(label: str, samples_ms: list[float]) -> float:
    samples = sorted(samples_ms)
    p = lambda q: samples[min(len(samples) - 1, int(q * len(samples)))]  # noqa: E731
    print(f"{label:<52} n={len(samples):<5} p50={p(0.50):8.3f} ms  p99={p(0.99):8.3f} ms", flush=True)
    return p(0.50)


def _sent_at(mock: MockControl, key: str) -> list[float]:
    (record,) = [r for r in mock.requests(key) if r["sent_at"]]
    return record["sent_at"][1:]  # frame 0 is the role-only frame; then one frame per token


async def bench_direct(mock: MockControl, runs: int) -> tuple[list[float], list[list[float]]]:
    import litellm

    litellm.suppress_debug_info = True
    ttft, relay = [], []
    for i in range(runs + 3):
        key = f"direct-{uuid.uuid4()}"
        received: list[float] = []
        t0 = time.perf_counter()
        stream = await litellm.acompletion(
            model="openai/riverflow-mock",
            api_base=mock.base_url,
            api_key="mock",
            messages=[{"role": "user", "content": QUERY}],
            stream=True,
            extra_headers={"Idempotency-Key": key},
            num_retries=0,
            max_retries=0,
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                if not received:
                    first = time.perf_counter()
                received.append(time.time())
        if i < 3:
            continue  # warm-up: connection pools, first-call imports
        ttft.append((first - t0) * 1000)
        relay.append([(got - sent) * 1000 for got, sent in zip(received, _sent_at(mock, key), strict=False)])
    return ttft, relay


def bench_platform(
    platform: Platform,
    key: str,
    mock: MockControl,
    runs: int,
    hops: list[tuple[str, list[float], list[float]]],
) -> tuple[list[float], list[list[float]]]:
    """``hops`` gets (run id, mock send times, client receive times) of each measured run."""
    ttft, relay = [], []
    with httpx.Client(base_url=platform.base_url, timeout=120) as client:
        for i in range(runs + 3):
            received: list[float] = []
            run_id = ""
            t0 = time.perf_counter()
            with client.stream(
                "POST",
                "/v1/workflows/run",
                json={"inputs": {"query": QUERY}, "response_mode": "streaming", "user": "bench"},
                headers={"Authorization": f"Bearer {key}"},
            ) as response:
                for line in response.iter_lines():
                    if not line.startswith("data: "):
                        continue
                    event = json.loads(line[6:])
                    if event["event"] == "text_chunk":
                        if not received:
                            first = time.perf_counter()
                        received.append(time.time())
                    run_id = event.get("workflow_run_id", run_id)
                    if event["event"] == "workflow_finished":
                        assert event["data"]["status"] == "succeeded", event
            if i < 3:
                continue
            ttft.append((first - t0) * 1000)
            sent = _sent_at(mock, f"{run_id}:llm_node:1:call1")
            relay.append([(got - at) * 1000 for got, at in zip(received, sent, strict=False)])
            hops.append((run_id, sent, received))
    return ttft, relay


async def first_token_hops(
    nats_url: str, hops: list[tuple[str, list[float], list[float]]]
) -> tuple[list[float], list[float]]:
    """Where the first token's time goes: the agent relays each token straight to the run's
    stream (``run_chunks``), so JetStream's own timestamp on the first one splits its trip into
    mock sent -> stored (agent and the bus) and stored -> SSE client (the gateway)."""
    agent, out = [], []
    nc = await nats.connect(nats_url)
    try:
        js = nc.jetstream()
        for run_id, sent, received in hops:
            chunks = await read_subject(js, subjects.RUN_EVENTS_STREAM, subjects.run_chunks(run_id))
            stored = chunks[0].time.timestamp() if chunks and chunks[0].time is not None else None
            if stored is None:
                continue  # not relayed (the answer waited on another segment)
            agent.append((stored - sent[0]) * 1000)
            out.append((received[0] - stored) * 1000)
    finally:
        await nc.close()
    return agent, out


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--runs", type=int, default=50)
    parser.add_argument("--token-latency-ms", type=float, default=5.0, help="mock delay between tokens")
    args = parser.parse_args()
    if not DSL.is_file():
        sys.exit(f"fixture not found: {DSL}")
    with tempfile.TemporaryDirectory() as tmp, mock_model(args.token_latency_ms) as (base_url, _):
        mock = MockControl(base_url)
        print(f"mock model: {base_url}, {len(QUERY.split())} tokens, {args.token_latency_ms} ms apart")
        direct_ttft, direct_relay = asyncio.run(bench_direct(mock, args.runs))
        bus = NatsServerProcess(Path(tmp) / "nats").start()
        env = {
            "AGENT_DEFAULT_MODEL_BASE_URL": base_url,
            "AGENT_HEALTH_PORT": "0",
            "LOG_LEVEL": "WARNING",
        }
        platform = Platform(bus.url, Path(tmp), extra_env=env)
        try:
            platform.start("gateway")
            platform.wait_for_gateway(timeout=120)
            platform.start("orchestrator")
            platform.start("agent")
            key = platform.import_app(DSL)["api_key"]
            hops: list[tuple[str, list[float], list[float]]] = []
            platform_ttft, platform_relay = bench_platform(platform, key, mock, args.runs, hops)
            agent_hop, out_hop = asyncio.run(first_token_hops(bus.url, hops))
        finally:
            platform.stop_all()
            bus.stop()
    base = _report("TTFT, litellm -> mock (direct)", direct_ttft)
    full = _report("TTFT, HTTP -> gateway -> orchestrator -> agent -> mock", platform_ttft)
    print(f"{'TTFT added by the platform (p50 difference)':<52} {full - base:8.3f} ms")
    base_first = _report(
        "first-token relay, mock sent -> litellm delta (direct)", [r[0] for r in direct_relay]
    )
    full_first = _report("first-token relay, mock sent -> SSE (platform)", [r[0] for r in platform_relay])
    print(f"{'first-token relay added by the platform (p50 diff.)':<52} {full_first - base_first:8.3f} ms")
    _report("  hop: mock sent -> agent -> stored in JetStream", agent_hop)
    _report("  hop: JetStream -> gateway -> SSE client", out_hop)
    base_relay = _report("every-token relay, mock sent -> litellm delta (direct)", sum(direct_relay, []))
    full_relay = _report("every-token relay, mock sent -> SSE (platform)", sum(platform_relay, []))
    print(f"{'every-token relay added by the platform (p50 diff.)':<52} {full_relay - base_relay:8.3f} ms")


if __name__ == "__main__":
    main()
