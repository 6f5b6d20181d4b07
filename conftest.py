"""Shared pytest fixtures: a real nats-server from the wheel, and the PostgreSQL URL when one answers."""

from __future__ import annotations

import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from riverflow.runtime.nats_server import NatsServerProcess

REPO_ROOT = Path(__file__).resolve().parent
#: ../shared beside the repository (read-only conformance data and docs).
SHARED_DIR = REPO_ROOT.parent / "shared"


@pytest.fixture(scope="session")
def nats_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServerProcess]:
    """One nats-server with JetStream for the session: random port, temporary store."""
    store = tmp_path_factory.mktemp("nats")
    server = NatsServerProcess(store_dir=store, log_file=store / "nats.log").start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def nats_url(nats_server: NatsServerProcess) -> str:
    return nats_server.url


def _postgres_url() -> str | None:
    url = os.environ.get("RIVERFLOW_TEST_POSTGRES_URL")
    if url:
        return url
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=0.5):
            return "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
    except OSError:
        return None


@pytest.fixture(scope="session")
def postgres_url() -> str:
    """SQLAlchemy URL of a PostgreSQL database for tests; skips when none answers."""
    url = _postgres_url()
    if url is None:
        pytest.skip("no PostgreSQL: set RIVERFLOW_TEST_POSTGRES_URL or run one on 127.0.0.1:5432")
    return url
