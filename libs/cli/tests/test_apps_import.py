"""``riverflow apps import`` against a real gateway process (in-memory bus, temporary SQLite)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from riverflow.cli.main import build_parser, main
from riverflow.runtime.nats_server import free_port

FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "conformance" / "dify-fixtures"
TOKEN = "cli-test-console-token"


@pytest.fixture(scope="module")
def gateway_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data_dir = tmp_path_factory.mktemp("gateway")
    port = free_port()
    env = os.environ | {
        "GATEWAY_PORT": str(port),
        "GATEWAY_DATA_DIR": str(data_dir),
        "GATEWAY_BUS": "memory",
        "GATEWAY_CONSOLE_TOKEN": TOKEN,
        "RIVERFLOW_DATABASE_URL": f"sqlite+aiosqlite:///{data_dir / 'gw.db'}",
    }
    log = open(data_dir / "gateway.log", "wb")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "riverflow.gateway"], env=env, stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise RuntimeError((data_dir / "gateway.log").read_text())
            try:
                if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError("gateway did not start")
            time.sleep(0.1)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)
        log.close()


def test_import_prints_app_id_and_key_that_works(gateway_url, capsys) -> None:
    code = main(
        [
            "apps",
            "import",
            str(FIXTURES / "simple_passthrough_workflow.yml"),
            "--gateway",
            gateway_url,
            "--token",
            TOKEN,
        ]
    )
    out = capsys.readouterr().out
    assert code == 0, out
    fields = dict(line.split(": ", 1) for line in out.strip().splitlines())
    assert fields["app_id"] and fields["api_key"].startswith("app-")
    run = httpx.post(
        f"{gateway_url}/v1/workflows/run",
        json={"inputs": {"query": "cli"}, "user": "u"},
        headers={"Authorization": f"Bearer {fields['api_key']}"},
    )
    assert run.json()["data"]["outputs"] == {"query": "cli"}


def test_bad_file_exits_2_with_the_gateway_message(gateway_url, tmp_path, capsys) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("app:\n  name: x\n  mode: spaceship\n")
    code = main(["apps", "import", str(bad), "--gateway", gateway_url, "--token", TOKEN])
    err = capsys.readouterr().err
    assert code == 2
    assert "spaceship" in err


def test_token_from_env_and_from_file(gateway_url, tmp_path, monkeypatch, capsys) -> None:
    fixture = str(FIXTURES / "conditional_hello_branching_workflow.yml")
    monkeypatch.setenv("RIVERFLOW_CONSOLE_TOKEN", TOKEN)
    assert main(["apps", "import", fixture, "--gateway", gateway_url]) == 0
    monkeypatch.delenv("RIVERFLOW_CONSOLE_TOKEN")
    (tmp_path / "console-token").write_text(TOKEN + "\n")
    assert main(["apps", "import", fixture, "--gateway", gateway_url, "--data-dir", str(tmp_path)]) == 0
    assert capsys.readouterr().out.count("api_key: app-") == 2


def test_wrong_token_and_missing_file_exit_2(gateway_url, tmp_path, capsys) -> None:
    fixture = str(FIXTURES / "simple_passthrough_workflow.yml")
    assert main(["apps", "import", fixture, "--gateway", gateway_url, "--token", "wrong"]) == 2
    assert "console token" in capsys.readouterr().err.lower()
    assert (
        main(["apps", "import", str(tmp_path / "missing.yml"), "--gateway", gateway_url, "--token", TOKEN])
        == 2
    )


def test_console_script_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "riverflow.cli", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "apps" in result.stdout
    assert "apps" in build_parser().format_help()
