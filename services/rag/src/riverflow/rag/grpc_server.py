"""The rag gRPC server: ``riverflow.rag.v1.Retrieval`` plus the Riverflow and standard health services."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from google.protobuf import json_format
from grpc_health.v1 import health as std_health
from grpc_health.v1 import health_pb2 as std_health_pb2
from grpc_health.v1 import health_pb2_grpc as std_health_pb2_grpc
from riverflow.contracts.grpc.health.v1 import health_pb2, health_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import retrieval_pb2, retrieval_pb2_grpc
from riverflow.rag.ports import RetrievalQuery, Retriever

__all__ = ["RetrievalServicer", "RiverflowHealthServicer", "GrpcServer"]

_RETRIEVAL_SERVICE = retrieval_pb2.DESCRIPTOR.services_by_name["Retrieval"].full_name
_DEFAULT_TOP_K = 4


class RetrievalServicer(retrieval_pb2_grpc.RetrievalServicer):
    """Maps ``Retrieve`` onto a ``Retriever``; no NATS, no storage of its own."""

    def __init__(self, retriever: Retriever) -> None:
        self._retriever = retriever

    async def Retrieve(  # noqa: N802 (gRPC method name)
        self, request: retrieval_pb2.RetrieveRequest, context: grpc.aio.ServicerContext
    ) -> retrieval_pb2.RetrieveResponse:
        query = RetrievalQuery(
            dataset_ids=tuple(request.dataset_ids),
            query=request.query,
            top_k=request.top_k or _DEFAULT_TOP_K,
            score_threshold=request.score_threshold if request.HasField("score_threshold") else None,
            search_method=request.search_method,
        )
        response = retrieval_pb2.RetrieveResponse()
        for segment in await self._retriever.retrieve(query):
            record = response.records.add(
                segment_id=segment.segment_id,
                document_id=segment.document_id,
                dataset_id=segment.dataset_id,
                content=segment.content,
                score=segment.score,
            )
            json_format.ParseDict(segment.metadata, record.metadata)
        return response


class RiverflowHealthServicer(health_pb2_grpc.HealthServicer):
    """``riverflow.health.v1.Health``: serving while ``is_serving()`` holds; unknown names are NOT_FOUND."""

    def __init__(self, service_name: str, services: set[str], is_serving: Callable[[], bool]) -> None:
        self._service_name, self._services, self._is_serving = service_name, services, is_serving

    async def Check(  # noqa: N802 (gRPC method name)
        self, request: health_pb2.CheckRequest, context: grpc.aio.ServicerContext
    ) -> health_pb2.CheckResponse:
        if request.service and request.service not in self._services:
            await context.abort(grpc.StatusCode.NOT_FOUND, f"unknown service {request.service!r}")
        status = (
            health_pb2.CheckResponse.SERVING_STATUS_SERVING
            if self._is_serving()
            else health_pb2.CheckResponse.SERVING_STATUS_NOT_SERVING
        )
        return health_pb2.CheckResponse(status=status, service_name=self._service_name)


class GrpcServer:
    """The rag gRPC server on ``host:port`` (port 0 binds a free port; see ``port`` once started).

    The standard ``grpc.health.v1`` service is served too, so Kubernetes gRPC probes work unchanged.
    """

    def __init__(self, retriever: Retriever, host: str, port: int) -> None:
        self._address = f"{host}:{port}"
        self._serving = False
        self._server = grpc.aio.server()
        self._std_health = std_health.aio.HealthServicer()
        retrieval_pb2_grpc.add_RetrievalServicer_to_server(RetrievalServicer(retriever), self._server)
        health_pb2_grpc.add_HealthServicer_to_server(
            RiverflowHealthServicer("rag", {_RETRIEVAL_SERVICE}, lambda: self._serving), self._server
        )
        std_health_pb2_grpc.add_HealthServicer_to_server(self._std_health, self._server)
        self.port = 0

    async def start(self) -> None:
        self.port = self._server.add_insecure_port(self._address)
        await self._server.start()
        self._serving = True
        for name in (std_health.OVERALL_HEALTH, _RETRIEVAL_SERVICE):
            await self._std_health.set(name, std_health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float) -> None:
        # Report NOT_SERVING first so probes and clients move away while in-flight calls finish.
        self._serving = False
        await self._std_health.enter_graceful_shutdown()
        await self._server.stop(grace)
