"""``riverflow mockllm`` and the mock ``riverflow up`` starts when no provider is configured."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from riverflow.cli.up_mockllm import agent_environment, start_mock_model
from riverflow.runtime.nats_server import free_port

pytestmark = pytest.mark.integration


def test_riverflow_mockllm_serves_until_sigterm(tmp_path: Path) -> None:
    script = tmp_path / "replies.yaml"
    script.write_text("rules:\n  - match: {contains: ping}\n    reply: pong\n")
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "riverflow.cli", "mockllm", "--port", str(port), "--script", str(script)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        assert proc.stdout is not None
        assert f"http://127.0.0.1:{port}/v1" in proc.stdout.readline().decode()
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.post(
                    f"http://127.0.0.1:{port}/v1/chat/completions",
                    json={"model": "m", "messages": [{"role": "user", "content": "ping"}]},
                )
                break
            except httpx.ConnectError:
                assert time.monotonic() < deadline
                time.sleep(0.1)
        assert response.json()["choices"][0]["message"]["content"] == "pong"
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(15) in (0, -signal.SIGTERM)  # uvicorn re-raises SIGTERM after a clean shutdown


def test_up_starts_the_mock_only_without_a_default_model(tmp_path: Path) -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("AGENT_DEFAULT_MODEL_BASE_URL", "RIVERFLOW_SECRET_KEY")
    }
    assert start_mock_model({**env, "AGENT_DEFAULT_MODEL_BASE_URL": "http://x/v1"}, tmp_path) is None
    assert start_mock_model({**env, "RIVERFLOW_MOCK_MODEL": "0"}, tmp_path) is None
    mock = start_mock_model(env, tmp_path)
    assert mock is not None
    try:
        models = httpx.get(f"{mock.base_url}/models").json()
        assert models["data"][0]["id"] == "riverflow-mock"
        extra = agent_environment(env, tmp_path, mock)
        assert extra["AGENT_DEFAULT_MODEL_BASE_URL"] == mock.base_url
        assert extra["AGENT_SECRET_KEY_FILE"].endswith("secret-key")
    finally:
        mock.stop()
    assert mock.proc.returncode is not None
    assert agent_environment({"RIVERFLOW_SECRET_KEY": "k"}, tmp_path, None) == {}
