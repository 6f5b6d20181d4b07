"""Domain errors carrying Dify's error ``code`` and HTTP status, mapped to gRPC status by the server."""

from __future__ import annotations

__all__ = ["KnowledgeError", "invalid_param", "not_found"]


class KnowledgeError(Exception):
    """A request the service refuses; nothing was changed."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def invalid_param(message: str) -> KnowledgeError:
    return KnowledgeError("invalid_param", message, 400)


def not_found(message: str) -> KnowledgeError:
    return KnowledgeError("not_found", message, 404)
