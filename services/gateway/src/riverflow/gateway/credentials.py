"""App/dataset API keys and console tokens: generation, hashing, visible prefixes."""

from __future__ import annotations

import hashlib
import secrets

__all__ = ["new_api_key", "new_console_token", "hash_secret", "visible_prefix"]


def new_api_key(type: str = "app") -> str:
    """``app-`` (or ``dataset-``) followed by 24 random URL-safe characters, as Dify does."""
    return f"{type}-{secrets.token_urlsafe(18)}"


def new_console_token() -> str:
    return f"console-{secrets.token_urlsafe(32)}"


def hash_secret(secret: str) -> str:
    """SHA-256 hex digest: keys are high-entropy, so a fast hash is enough and allows lookups."""
    return hashlib.sha256(secret.encode()).hexdigest()


def visible_prefix(secret: str) -> str:
    """The part shown in listings: the type prefix and the first four random characters."""
    head, _, rest = secret.partition("-")
    return f"{head}-{rest[:4]}"
