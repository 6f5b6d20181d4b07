"""Fixtures of the real-client tests: a seeded gateway process shared by the session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.live_gateway import LiveGateway, gateway_process


@pytest.fixture(scope="session")
def live_gateway(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveGateway]:
    with gateway_process(tmp_path_factory.mktemp("clients-gateway")) as gateway:
        yield gateway
