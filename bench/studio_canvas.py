"""Studio canvas figures in headless Chromium (a report, not a test): open a 300- and a 1,000-node
workflow (navigation → canvas ready), drag-frame p50/p95 at 1,000 nodes, and nodes re-rendered per
run event fed through the studio's SSE event path.

Needs the built studio (``make studio``) and ``/usr/bin/chromium``. Run from the repository root:
``uv run python bench/studio_canvas.py``. Frame times in headless Chromium are quantised to 16.7 ms;
read them beside the load average printed with them.
"""

from __future__ import annotations

import statistics
import sys
import tempfile
from pathlib import Path

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from proc_stats import load_average  # noqa: E402
from riverflow.runtime.nats_server import NatsServerProcess  # noqa: E402

from tests.platform import Platform  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking"]
FRAMES = """window.__frames = { d: [], run: false,
  start() { this.d = []; this.run = true; let last = performance.now();
    const f = t => { this.d.push(t - last); last = t; if (this.run) requestAnimationFrame(f) };
    requestAnimationFrame(f) },
  stop() { this.run = false; return this.d.slice(1) } }"""


def synthetic_dsl(count: int) -> str:
    """Start → a chain of template blocks, with an if-else every 10th block whose ELSE ends the run."""
    node = lambda i, data, x, y: {  # noqa: E731
        "id": f"n{i}",
        "type": "custom",
        "data": data,
        "position": {"x": x, "y": y},
        "width": 244,
        "height": 90,
    }
    nodes, edges = (
        [
            node(
                0,
                {
                    "type": "start",
                    "title": "Start",
                    "variables": [
                        {"variable": "query", "label": "query", "type": "text-input", "required": False}
                    ],
                },
                0,
                0,
            )
        ],
        [],
    )
    previous, handle = "n0", "source"
    for i in range(1, count - 1):
        x, y = (i % 12) * 300, (i // 12) * 160
        if i % 10 == 0:
            data = {
                "type": "if-else",
                "title": f"IF {i}",
                "cases": [
                    {
                        "case_id": "true",
                        "id": "true",
                        "logical_operator": "and",
                        "conditions": [
                            {
                                "id": "c",
                                "variable_selector": ["n0", "query"],
                                "comparison_operator": "not empty",
                                "value": "",
                                "varType": "string",
                            }
                        ],
                    }
                ],
            }
        else:
            data = {
                "type": "template-transform",
                "title": f"Template {i}",
                "template": "{{ q }}",
                "variables": [{"variable": "q", "value_selector": ["n0", "query"]}],
            }
        nodes.append(node(i, data, x, y))
        edges.append(
            {
                "id": f"e{i}",
                "source": previous,
                "sourceHandle": handle,
                "target": f"n{i}",
                "targetHandle": "target",
                "type": "custom",
                "data": {},
            }
        )
        previous, handle = f"n{i}", "true" if data["type"] == "if-else" else "source"
    last = count - 1
    nodes.append(
        node(last, {"type": "end", "title": "End", "outputs": []}, (last % 12) * 300, (last // 12) * 160)
    )
    edges.append(
        {
            "id": "e-last",
            "source": previous,
            "sourceHandle": handle,
            "target": f"n{last}",
            "targetHandle": "target",
            "type": "custom",
            "data": {},
        }
    )
    for i in range(10, count - 1, 10):  # each ELSE goes to the end
        edges.append(
            {
                "id": f"else{i}",
                "source": f"n{i}",
                "sourceHandle": "false",
                "target": f"n{last}",
                "targetHandle": "target",
                "type": "custom",
                "data": {},
            }
        )
    return yaml.safe_dump(
        {
            "app": {"name": f"bench {count}", "mode": "workflow", "description": "", "icon": ""},
            "kind": "app",
            "version": "0.3.1",
            "workflow": {
                "graph": {"nodes": nodes, "edges": edges, "viewport": {"x": 40, "y": 40, "zoom": 1}},
                "features": {},
                "environment_variables": [],
                "conversation_variables": [],
            },
        }
    )


def pct(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100)[q - 1] if len(values) > 1 else (values or [0.0])[0]


def measure(page, base: str, app_id: str, count: int) -> None:  # type: ignore[no-untyped-def]
    page.goto(f"{base}/studio/apps/{app_id}/workflow")
    page.get_by_test_id("canvas-ready").wait_for(state="attached", timeout=120_000)
    ready = page.evaluate("performance.getEntriesByName('studio:canvas-ready')[0].startTime")
    mounted = page.locator(".react-flow__node").count()
    print(f"  {count:>5} nodes: open → canvas ready {ready / 1000:.2f} s ({mounted} nodes mounted in view)")
    if count < 1000:
        return
    page.evaluate(FRAMES)
    box = page.locator(".react-flow__node[data-id='n1']").bounding_box()
    page.mouse.move(box["x"] + 40, box["y"] + 15)
    page.mouse.down()
    page.evaluate("window.__frames.start()")
    for _ in range(60):
        page.mouse.move(box["x"] + 40 + 5, box["y"] + 15 + 2)
        box["x"] += 5
        box["y"] += 2
    frames = page.evaluate("window.__frames.stop()")
    page.mouse.up()
    slow = sum(1 for f in frames if f > 17)
    print(
        f"  drag at {count} nodes: frame p50 {pct(frames, 50):.1f} ms, p95 {pct(frames, 95):.1f} ms, "
        f"{slow}/{len(frames)} frames > 17 ms"
    )
    per_event = page.evaluate("""async () => {
      const s = window.__studio, counts = s.renderCounts, run = s.run.getState()
      run.start([]); await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))
      const changed = []
      for (let i = 1; i <= 40; i++) {
        const before = { ...counts }
        const ev = i % 2
          ? { event: 'node_started', data: { node_id: `n${(i + 1) / 2}` } }
          : { event: 'node_finished', data: { node_id: `n${i / 2}`, status: 'succeeded', elapsed_time: .01 } }
        s.run.getState().apply(ev)
        await new Promise(r => requestAnimationFrame(() => setTimeout(r, 0)))
        changed.push(Object.keys(counts).filter(k => counts[k] !== before[k]).length)
      }
      return changed
    }""")
    print(
        f"  run events at {count} nodes: nodes re-rendered per event max {max(per_event)}, "
        f"mean {statistics.mean(per_event):.2f} over {len(per_event)} events"
    )


def main() -> None:
    from playwright.sync_api import sync_playwright

    dist = ROOT / "studio" / "dist"
    if not (dist / "index.html").is_file():
        sys.exit("studio/dist is not built: run `make studio` first")
    print(f"studio canvas (headless Chromium, {load_average()})")
    with tempfile.TemporaryDirectory() as tmp, NatsServerProcess(Path(tmp) / "nats") as server:
        platform = Platform(server.url, Path(tmp), {"GATEWAY_STUDIO_DIST": str(dist)})
        platform.start("gateway")
        platform.wait_for_gateway()
        try:
            headers = {
                "Authorization": f"Bearer {platform.CONSOLE_TOKEN}",
                "Content-Type": "application/x-yaml",
            }
            apps = {}
            for count in (300, 1000):
                answer = httpx.post(
                    f"{platform.base_url}/console/api/apps/import",
                    headers=headers,
                    content=synthetic_dsl(count),
                    timeout=120,
                )
                answer.raise_for_status()
                apps[count] = answer.json()["id"]
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
                context = browser.new_context(viewport={"width": 1440, "height": 900})
                context.add_init_script(
                    f"localStorage.setItem('riverflow.console-token', '{platform.CONSOLE_TOKEN}')"
                )
                page = context.new_page()
                for count, app_id in apps.items():
                    measure(page, platform.base_url, app_id, count)
                browser.close()
        finally:
            platform.stop_all()


if __name__ == "__main__":
    main()
