"""Agent test fixtures: the shipped mock model on a free port (real HTTP), reached through litellm."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from riverflow.mockllm import MockConfig, MockControl, MockServer

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")


def pytest_configure(config: pytest.Config) -> None:
    # litellm reads pydantic fields the deprecated way; not ours to fix.
    config.addinivalue_line("filterwarnings", "ignore:Accessing the 'model_:DeprecationWarning")


@pytest.fixture(scope="session")
def mock_server() -> Iterator[MockServer]:
    with MockServer(MockConfig()) as server:
        yield server


@pytest.fixture
def mock_model(mock_server: MockServer) -> Iterator[MockControl]:
    model = MockControl(mock_server.base_url)
    model.reset()
    yield model
    model.reset()
