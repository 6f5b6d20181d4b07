"""The rag gRPC server on a free port: retrieval and both health services."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc
import pytest
from grpc_health.v1 import health_pb2 as std_health_pb2
from grpc_health.v1 import health_pb2_grpc as std_health_pb2_grpc
from riverflow.contracts.grpc.health.v1 import health_pb2, health_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import retrieval_pb2, retrieval_pb2_grpc
from riverflow.rag.grpc_server import GrpcServer
from riverflow.rag.ports import InMemoryRetriever, RetrievedSegment


@pytest.fixture
async def channel() -> AsyncIterator[grpc.aio.Channel]:
    retriever = InMemoryRetriever(
        [RetrievedSegment("s1", "d1", "ds", "riverflow runs dify apps", metadata={"source": "readme"})]
    )
    server = GrpcServer(retriever, "127.0.0.1", 0)
    await server.start()
    assert server.port > 0
    async with grpc.aio.insecure_channel(f"127.0.0.1:{server.port}") as chan:
        yield chan
    await server.stop(grace=1)


async def test_retrieve_unknown_dataset_is_empty(channel: grpc.aio.Channel) -> None:
    stub = retrieval_pb2_grpc.RetrievalStub(channel)
    response = await stub.Retrieve(retrieval_pb2.RetrieveRequest(dataset_ids=["unknown"], query="riverflow"))
    assert list(response.records) == []


async def test_retrieve_returns_matching_records(channel: grpc.aio.Channel) -> None:
    stub = retrieval_pb2_grpc.RetrievalStub(channel)
    response = await stub.Retrieve(retrieval_pb2.RetrieveRequest(dataset_ids=["ds"], query="dify apps"))
    [record] = response.records
    assert (record.segment_id, record.document_id, record.dataset_id) == ("s1", "d1", "ds")
    assert record.score == 1.0
    assert dict(record.metadata) == {"source": "readme"}


async def test_riverflow_health_reports_serving_and_rejects_unknown_services(
    channel: grpc.aio.Channel,
) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    response = await stub.Check(health_pb2.CheckRequest(service="riverflow.rag.v1.Retrieval"))
    assert response.status == health_pb2.CheckResponse.SERVING_STATUS_SERVING
    assert response.service_name == "rag"
    with pytest.raises(grpc.aio.AioRpcError) as error:
        await stub.Check(health_pb2.CheckRequest(service="riverflow.nope.v1.Nope"))
    assert error.value.code() == grpc.StatusCode.NOT_FOUND


async def test_standard_grpc_health_serves_kubernetes_probes(channel: grpc.aio.Channel) -> None:
    stub = std_health_pb2_grpc.HealthStub(channel)
    response = await stub.Check(std_health_pb2.HealthCheckRequest(service=""))
    assert response.status == std_health_pb2.HealthCheckResponse.SERVING
