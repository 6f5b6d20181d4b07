"""Chaos: runs/s and completion rate while a service process is SIGKILLed every N seconds.

Starts nats-server, the gateway and ``--orchestrators`` orchestrator replicas (real processes, as
``tests/platform.py`` does), then keeps ``--clients`` clients running the 3-node workflow (streaming)
for ``--seconds``. Every ``--every`` seconds one process of ``--victim`` is SIGKILLed and started
again at once. A run counts as accepted once its first SSE event (which names the run) arrived;
runs whose stream broke (the gateway died under it) are looked up afterwards with
``GET /v1/workflows/run/{id}`` until they end. Prints runs/s, the completion rate (accepted runs
that ended ``succeeded``), requests refused while the victim was down, and the load average.
``--ack-wait`` sets ``NATS_ACK_WAIT_SECONDS`` (how soon JetStream redelivers a dead replica's
work). Run from the repository root: ``uv run python bench/chaos.py [--victim orchestrator]``.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from proc_stats import load_average  # noqa: E402
from riverflow.runtime.nats_server import NatsServerProcess  # noqa: E402

from tests.platform import Platform, ServiceProcess  # noqa: E402

WORKFLOW = ROOT / "bench" / "workflows" / "three_node.yml"


@dataclass
class Tally:
    finished: int = 0
    broken: list[str] = field(default_factory=list)  # accepted, stream broke: checked afterwards
    refused: int = 0
    why: Counter[str] = field(default_factory=Counter)
    failed: list[str] = field(default_factory=list)


async def _client(base_url: str, key: str, until: float, tally: Tally, counter: itertools.count) -> None:
    async with httpx.AsyncClient(base_url=base_url, timeout=120) as client:
        while time.monotonic() < until:
            run_id = ""
            try:
                async with client.stream(
                    "POST",
                    "/v1/workflows/run",
                    json={
                        "inputs": {"name": f"n{next(counter)}"},
                        "response_mode": "streaming",
                        "user": "chaos",
                    },
                    headers={"Authorization": f"Bearer {key}"},
                ) as response:
                    if response.status_code != 200:
                        tally.refused += 1
                        tally.why[f"HTTP {response.status_code}"] += 1
                        await asyncio.sleep(0.2)
                        continue
                    async for line in response.aiter_lines():
                        if not line.startswith("data: "):
                            continue
                        event = json.loads(line[len("data: ") :])
                        run_id = event.get("workflow_run_id") or run_id
                        if event.get("event") == "workflow_finished":
                            if event["data"]["status"] == "succeeded":
                                tally.finished += 1
                            else:
                                tally.failed.append(f"{run_id}: {event['data'].get('error')}")
                            run_id = ""
            except httpx.HTTPError as exc:
                if not run_id:
                    tally.refused += 1
                    tally.why[type(exc).__name__] += 1
                    await asyncio.sleep(0.2)
            if run_id:  # accepted, but the stream ended without the run's end
                tally.broken.append(run_id)


async def _settle(base_url: str, key: str, tally: Tally, timeout: float) -> tuple[int, list[str]]:
    """Look up the runs whose stream broke until each ended (or ``timeout``)."""
    succeeded, lost = 0, []
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as client:
        for run_id in tally.broken:
            status = "unknown"
            while time.monotonic() < deadline:
                try:
                    response = await client.get(
                        f"/v1/workflows/run/{run_id}", headers={"Authorization": f"Bearer {key}"}
                    )
                    status = (
                        response.json().get("status", "unknown") if response.status_code == 200 else status
                    )
                except httpx.HTTPError:
                    pass
                if status not in ("running", "unknown"):
                    break
                await asyncio.sleep(0.5)
            if status == "succeeded":
                succeeded += 1
            else:
                lost.append(f"{run_id}: {status}")
    return succeeded, lost


def _killer(victims: list[ServiceProcess], every: float, stop: threading.Event, kills: list[float]) -> None:
    for victim in itertools.cycle(victims):
        if stop.wait(every):
            return
        victim.kill()
        kills.append(time.monotonic())
        victim.start()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--victim", choices=["orchestrator", "gateway"], default="orchestrator")
    parser.add_argument("--orchestrators", type=int, default=2)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between kills")
    parser.add_argument("--seconds", type=float, default=60.0, help="length of the load")
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--ack-wait", type=float, default=5.0)
    args = parser.parse_args()
    print(
        f"bench/chaos.py: kill one {args.victim} every {args.every:g} s for {args.seconds:g} s, "
        f"{args.clients} clients, {args.orchestrators} orchestrators, ack wait {args.ack_wait:g} s "
        f"({load_average()})"
    )
    with tempfile.TemporaryDirectory() as tmp, NatsServerProcess(Path(tmp) / "nats") as server:
        # Every client shares one key: far above a client's fair share, so no rate limit.
        env = {"NATS_ACK_WAIT_SECONDS": str(args.ack_wait), "GATEWAY_RATE_LIMIT_PER_MINUTE": "100000000"}
        platform = Platform(server.url, Path(tmp), env)
        gateway = platform.start("gateway")
        orchestrators = [
            ServiceProcess("orchestrator", platform.env, Path(tmp)).start() for _ in range(args.orchestrators)
        ]
        try:
            platform.wait_for_gateway(timeout=600)
            key = platform.import_app(WORKFLOW)["api_key"]
            tally, kills, stop = Tally(), [], threading.Event()
            victims = [gateway] if args.victim == "gateway" else orchestrators
            killer = threading.Thread(target=_killer, args=(victims, args.every, stop, kills), daemon=True)
            start = time.monotonic()
            killer.start()
            counter = itertools.count()

            async def load() -> None:
                until = start + args.seconds
                await asyncio.gather(
                    *(_client(platform.base_url, key, until, tally, counter) for _ in range(args.clients))
                )

            asyncio.run(load())
            stop.set()
            killer.join()
            wall = time.monotonic() - start
            if args.victim == "gateway":
                platform.wait_for_gateway(timeout=600)
            late, lost = asyncio.run(
                _settle(platform.base_url, key, tally, timeout=max(120.0, 6 * args.ack_wait))
            )
        finally:
            stop.set()
            platform.stop_all()
            for orchestrator in orchestrators:
                orchestrator.stop()
    accepted = tally.finished + len(tally.failed) + len(tally.broken)
    succeeded = tally.finished + late
    print(f"kills: {len(kills)}; runs accepted {accepted}, succeeded {succeeded} ({load_average()})")
    print(
        f"completion rate {succeeded / max(1, accepted):.2%}; "
        f"{succeeded / wall:.1f} runs/s over {wall:.0f} s; "
        f"streams broken by a kill and finished anyway: {late}/{len(tally.broken)}; refused requests "
        f"{tally.refused} {dict(tally.why)}"
    )
    for problem in (tally.failed + lost)[:10]:
        print(f"  not succeeded: {problem}")


if __name__ == "__main__":
    main()
