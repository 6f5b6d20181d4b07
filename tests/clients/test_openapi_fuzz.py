"""schemathesis against the gateway's own ``/openapi.json``: generated requests to every operation,
with a valid key of the right kind, never get a 5xx. A gateway process of its own, since the
generated requests create and delete things."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error

from tests.clients.live_gateway import CONSOLE_TOKEN, gateway_process

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
def fuzz_gateway(tmp_path_factory):
    # Rate limits stay on (a 429 is fine) but high enough not to hide the handlers behind them.
    with gateway_process(
        tmp_path_factory.mktemp("fuzz-gateway"), GATEWAY_RATE_LIMIT_PER_MINUTE="100000"
    ) as gateway:
        yield gateway


def _token(gateway, path: str) -> str:
    if path.startswith("/console/"):
        return CONSOLE_TOKEN
    if path.startswith(("/v1/datasets", "/v1/workspaces")):
        return gateway.dataset_key
    return gateway.keys["greeting"]


def _fuzz(operation, base_url: str, headers: dict[str, str]):
    """A hypothesis test of one operation: every generated request, sent with ``headers``."""

    @settings(
        max_examples=5,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    @given(case=operation.as_strategy())
    def check(case) -> None:
        case.call_and_validate(base_url=base_url, headers=headers, checks=[not_a_server_error], timeout=30)

    return check


def test_generated_requests_never_get_a_server_error(fuzz_gateway) -> None:
    # schemathesis' pytest plugin does not load under this pytest; its Python API drives hypothesis.
    schema = schemathesis.openapi.from_url(f"{fuzz_gateway.base_url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        headers = {"Authorization": f"Bearer {_token(fuzz_gateway, operation.path)}"}

        check = _fuzz(operation, fuzz_gateway.base_url, headers)
        try:
            check()
        except Exception as exc:  # keep going: report every operation that fails
            failures.append(f"{operation.method.upper()} {operation.path}: {str(exc)[:400]}")
    assert operations > 50
    assert not failures, "\n".join(failures)
