"""One trace per run: spans of the gateway and the orchestrator share its trace id."""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.otlp_receiver import OtlpReceiver
from tests.platform import Platform

pytestmark = pytest.mark.integration


def test_run_trace_spans_gateway_and_orchestrator(nats_url: str, tmp_path: Path, fixtures_dir: Path) -> None:
    with OtlpReceiver() as receiver:
        platform = Platform(
            nats_url,
            tmp_path,
            {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_BSP_SCHEDULE_DELAY": "100"},
        )
        platform.start("gateway")
        platform.start("orchestrator")
        try:
            platform.wait_for_gateway()
            key = platform.import_app(fixtures_dir / "simple_passthrough_workflow.yml")["api_key"]
            response = httpx.post(
                f"{platform.base_url}/v1/workflows/run",
                json={"inputs": {"query": "trace me"}, "response_mode": "blocking", "user": "t"},
                headers={"Authorization": f"Bearer {key}"},
                timeout=30,
            )
            assert response.json()["data"]["status"] == "succeeded"

            def shared_traces() -> set[str]:
                by_service: dict[str, set[str]] = {}
                for span in list(receiver.spans):
                    by_service.setdefault(span.service, set()).add(span.trace_id)
                return by_service.get("riverflow-gateway", set()) & by_service.get(
                    "riverflow-orchestrator", set()
                )

            deadline = time.monotonic() + 20
            while not shared_traces() and time.monotonic() < deadline:
                time.sleep(0.1)
            services = {s.service for s in receiver.spans}
            assert {"riverflow-gateway", "riverflow-orchestrator"} <= services, services
            assert shared_traces(), "no trace id seen in both the gateway and the orchestrator"
        finally:
            platform.stop_all()
