"""The key that seals provider credentials: ``RIVERFLOW_SECRET_KEY``, or one generated once into
``<data_dir>/secret-key`` (mode 0600) like the console token."""

from __future__ import annotations

import logging
import secrets

from pydantic import SecretStr
from riverflow.gateway.console_auth import write_private
from riverflow.gateway.settings import GatewaySettings
from riverflow.runtime.secret_box import SecretBox

__all__ = ["load_secret_box", "KEY_FILE_NAME"]

KEY_FILE_NAME = "secret-key"


def load_secret_box(settings: GatewaySettings, log: logging.Logger) -> SecretBox:
    if settings.secret_key is not None:
        return SecretBox(settings.secret_key)
    path = settings.data_dir / KEY_FILE_NAME
    if path.exists() and path.read_text().strip():
        return SecretBox(SecretStr(path.read_text().strip()))
    write_private(path, secrets.token_urlsafe(32))
    log.info("secret key: generated, written to %s (mode 0600)", path.resolve())
    return SecretBox(SecretStr(path.read_text().strip()))
