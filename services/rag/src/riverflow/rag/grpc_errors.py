"""``KnowledgeError`` to gRPC: a status code plus Dify's error code and HTTP status as trailing metadata."""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

import grpc
from riverflow.rag.errors import KnowledgeError

__all__ = ["dify_errors", "ERROR_CODE_KEY", "HTTP_STATUS_KEY"]

ERROR_CODE_KEY = "rf-error-code"
HTTP_STATUS_KEY = "rf-http-status"
_CODES = {
    400: grpc.StatusCode.INVALID_ARGUMENT,
    413: grpc.StatusCode.INVALID_ARGUMENT,
    415: grpc.StatusCode.INVALID_ARGUMENT,
    404: grpc.StatusCode.NOT_FOUND,
    409: grpc.StatusCode.ALREADY_EXISTS,
    503: grpc.StatusCode.UNAVAILABLE,
}
logger = logging.getLogger("riverflow.rag.grpc")
T = TypeVar("T")


def dify_errors(method: Callable[..., Awaitable[T]]) -> Callable[..., Awaitable[T]]:
    """Wrap a servicer method: domain errors abort with their code; anything else is INTERNAL, logged."""

    @functools.wraps(method)
    async def wrapper(self: Any, request: Any, context: grpc.aio.ServicerContext) -> T:
        try:
            return await method(self, request, context)
        except KnowledgeError as exc:
            await context.abort(
                _CODES.get(exc.status, grpc.StatusCode.INTERNAL),
                exc.message,
                trailing_metadata=((ERROR_CODE_KEY, exc.code), (HTTP_STATUS_KEY, str(exc.status))),
            )
        except grpc.aio.AbortError:
            raise
        except Exception:
            logger.exception("%s failed", method.__name__)
            await context.abort(
                grpc.StatusCode.INTERNAL,
                "Internal Server Error",
                trailing_metadata=((ERROR_CODE_KEY, "internal_server_error"), (HTTP_STATUS_KEY, "500")),
            )
        raise AssertionError("unreachable")  # context.abort always raises

    return wrapper
