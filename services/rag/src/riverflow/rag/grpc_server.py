"""The rag gRPC server: ``rag.v1.Knowledge`` and ``Retrieval``, plus the Riverflow and standard health."""

from __future__ import annotations

from collections.abc import Callable

import grpc
from grpc_health.v1 import health as std_health
from grpc_health.v1 import health_pb2 as std_health_pb2
from grpc_health.v1 import health_pb2_grpc as std_health_pb2_grpc
from riverflow.contracts.grpc.health.v1 import health_pb2, health_pb2_grpc
from riverflow.contracts.grpc.rag.v1 import (
    knowledge_pb2,
    knowledge_pb2_grpc,
    retrieval_pb2,
    retrieval_pb2_grpc,
)
from riverflow.rag.components import RagComponents
from riverflow.rag.grpc_knowledge import KnowledgeServicer
from riverflow.rag.grpc_retrieval import RetrievalServicer

__all__ = ["RiverflowHealthServicer", "GrpcServer", "SERVICES"]

SERVICES = (
    retrieval_pb2.DESCRIPTOR.services_by_name["Retrieval"].full_name,
    knowledge_pb2.DESCRIPTOR.services_by_name["Knowledge"].full_name,
)
#: Uploads travel in one message (Dify's 15 MB limit, with room for the envelope).
MAX_MESSAGE_BYTES = 64 * 1024 * 1024


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

    def __init__(self, components: RagComponents, host: str, port: int) -> None:
        self._address = f"{host}:{port}"
        self._serving = False
        self._server = grpc.aio.server(
            options=[
                ("grpc.max_receive_message_length", MAX_MESSAGE_BYTES),
                ("grpc.max_send_message_length", MAX_MESSAGE_BYTES),
            ]
        )
        self._std_health = std_health.aio.HealthServicer()
        retrieval_pb2_grpc.add_RetrievalServicer_to_server(RetrievalServicer(components), self._server)
        knowledge_pb2_grpc.add_KnowledgeServicer_to_server(KnowledgeServicer(components), self._server)
        health_pb2_grpc.add_HealthServicer_to_server(
            RiverflowHealthServicer("rag", set(SERVICES), lambda: self._serving), self._server
        )
        std_health_pb2_grpc.add_HealthServicer_to_server(self._std_health, self._server)
        self.port = 0

    async def start(self) -> None:
        self.port = self._server.add_insecure_port(self._address)
        await self._server.start()
        self._serving = True
        for name in (std_health.OVERALL_HEALTH, *SERVICES):
            await self._std_health.set(name, std_health_pb2.HealthCheckResponse.SERVING)

    async def stop(self, grace: float) -> None:
        # Report NOT_SERVING first so probes and clients move away while in-flight calls finish.
        self._serving = False
        await self._std_health.enter_graceful_shutdown()
        await self._server.stop(grace)
