"""Dify's error body ``{code, message, status}`` for every non-2xx response, and its handlers."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from riverflow.gateway.ports import BusUnavailable, RunQueueFull
from starlette.exceptions import HTTPException as StarletteHTTPException

__all__ = ["ApiError", "error_response", "install_error_handlers", "unauthorized"]

log = logging.getLogger("riverflow.gateway.errors")

_STATUS_CODES = {
    400: ("bad_request", "The browser (or proxy) sent a request that this server could not understand."),
    401: ("unauthorized", "Unauthorized."),
    403: ("forbidden", "Forbidden."),
    404: (
        "not_found",
        "The requested URL was not found on the server. "
        "If you entered the URL manually please check your spelling and try again.",
    ),
    405: ("method_not_allowed", "The method is not allowed for the requested URL."),
    413: ("request_entity_too_large", "The data value transmitted exceeds the capacity limit."),
    415: ("unsupported_media_type", "The server does not support the media type transmitted in the request."),
    422: ("invalid_param", "The request was well-formed but could not be processed."),
    429: ("too_many_requests", "Too many requests. Please try again later."),
    500: (
        "internal_server_error",
        "The server encountered an internal error and was unable to complete your request. "
        "Either the server is overloaded or there is an error in the application.",
    ),
}


class ApiError(Exception):
    """An error answered as ``{code, message, status}`` (plus ``params`` for per-field errors)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        params: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.params, self.headers = params, headers


def unauthorized(message: str) -> ApiError:
    """A 401 as Dify sends it, with ``WWW-Authenticate: Bearer realm="api"``."""
    return ApiError(401, "unauthorized", message, headers={"WWW-Authenticate": 'Bearer realm="api"'})


def error_response(error: ApiError) -> JSONResponse:
    body: dict[str, Any] = {"code": error.code, "message": error.message, "status": error.status}
    if error.params is not None:
        body["params"] = error.params
    return JSONResponse(body, status_code=error.status, headers=error.headers)


def _from_status(status: int, detail: Any = None) -> ApiError:
    fallback = ("bad_request" if status < 500 else "internal_server_error", "")
    code, message = _STATUS_CODES.get(status, fallback)
    if isinstance(detail, str) and detail and status not in (404, 405):
        message = detail
    return ApiError(status, code, message or f"HTTP {status}")


def _validation_error(exc: RequestValidationError) -> ApiError:
    errors = exc.errors()
    if not errors:
        return ApiError(400, "invalid_param", "Invalid request.")
    first = errors[0]
    loc = [str(part) for part in first.get("loc", ()) if part not in ("body", "query", "path", "header")]
    field = ".".join(loc) or None
    message = str(first.get("msg", "Invalid parameter"))
    return ApiError(400, "invalid_param", f"{field}: {message}" if field else message, params=field)


def install_error_handlers(app: FastAPI) -> None:
    """Route every error, including 404/405, validation errors and crashes, to the Dify body."""

    async def on_api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return error_response(exc)

    async def on_http_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, StarletteHTTPException)
        error = _from_status(exc.status_code, exc.detail)
        response = error_response(error)
        for name, value in (exc.headers or {}).items():
            response.headers[name] = value
        return response

    async def on_validation_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, RequestValidationError)
        return error_response(_validation_error(exc))

    async def on_crash(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
        return error_response(_from_status(500))

    async def on_queue_full(_: Request, exc: Exception) -> JSONResponse:
        return error_response(
            ApiError(429, "too_many_requests", "Too many runs are waiting; retry in a moment.")
        )

    async def on_bus_unavailable(_: Request, exc: Exception) -> JSONResponse:
        log.warning("run not accepted, the bus is unavailable: %s", exc)
        return error_response(
            ApiError(503, "service_unavailable", "The run could not be accepted right now; retry shortly.")
        )

    app.add_exception_handler(RunQueueFull, on_queue_full)
    app.add_exception_handler(BusUnavailable, on_bus_unavailable)
    app.add_exception_handler(ApiError, on_api_error)
    app.add_exception_handler(StarletteHTTPException, on_http_error)
    app.add_exception_handler(RequestValidationError, on_validation_error)
    app.add_exception_handler(Exception, on_crash)
