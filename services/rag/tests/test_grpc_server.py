"""The rag gRPC server's health services (the Knowledge/Retrieval API: test_knowledge_*grpc.py)."""

from __future__ import annotations

import grpc
import pytest
from grpc_health.v1 import health_pb2 as std_health_pb2
from grpc_health.v1 import health_pb2_grpc as std_health_pb2_grpc
from riverflow.contracts.grpc.health.v1 import health_pb2, health_pb2_grpc


@pytest.mark.parametrize("service", ["riverflow.rag.v1.Retrieval", "riverflow.rag.v1.Knowledge"])
async def test_riverflow_health_reports_serving(channel: grpc.aio.Channel, service: str) -> None:
    response = await health_pb2_grpc.HealthStub(channel).Check(health_pb2.CheckRequest(service=service))
    assert response.status == health_pb2.CheckResponse.SERVING_STATUS_SERVING
    assert response.service_name == "rag"


async def test_riverflow_health_rejects_unknown_services(channel: grpc.aio.Channel) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await health_pb2_grpc.HealthStub(channel).Check(
            health_pb2.CheckRequest(service="riverflow.nope.v1.Nope")
        )
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


async def test_standard_grpc_health_serves_kubernetes_probes(channel: grpc.aio.Channel) -> None:
    stub = std_health_pb2_grpc.HealthStub(channel)
    for name in ("", "riverflow.rag.v1.Knowledge"):
        response = await stub.Check(std_health_pb2.HealthCheckRequest(service=name))
        assert response.status == std_health_pb2.HealthCheckResponse.SERVING
