"""Encryption at rest for secrets (provider keys): Fernet with a key derived from a settings secret."""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from pydantic import SecretStr

__all__ = ["SecretBox", "SecretBoxError"]


class SecretBoxError(Exception):
    """A token that was not made with this key, or was tampered with."""


class SecretBox:
    """Seals JSON-able values with a key derived from ``secret`` (e.g. ``RIVERFLOW_SECRET_KEY``).

    Example:
        >>> box = SecretBox(SecretStr("change-me"))
        >>> box.open(box.seal({"api_key": "sk-..."}))
        {'api_key': 'sk-...'}
    """

    def __init__(self, secret: SecretStr) -> None:
        raw = secret.get_secret_value().encode()
        if len(raw) < 8:
            raise ValueError("the secret key must be at least 8 characters")
        # Any passphrase works: Fernet wants 32 url-safe base64 bytes, so derive them.
        key = base64.urlsafe_b64encode(hashlib.sha256(b"riverflow-secret-box:" + raw).digest())
        self._fernet = Fernet(key)

    def seal(self, value: Any) -> bytes:
        return self._fernet.encrypt(json.dumps(value, separators=(",", ":")).encode())

    def open(self, token: bytes) -> Any:
        try:
            return json.loads(self._fernet.decrypt(token))
        except InvalidToken as exc:
            raise SecretBoxError("cannot decrypt: wrong key or corrupted value") from exc

    def __repr__(self) -> str:
        return "SecretBox(<hidden>)"
