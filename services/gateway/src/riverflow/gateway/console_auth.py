"""The console admin token: taken from the environment, or generated once and written to a file."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from riverflow.gateway.credentials import hash_secret, new_console_token
from riverflow.gateway.ports import Store

__all__ = ["bootstrap_console_token", "write_private", "TOKEN_FILE_NAME"]

TOKEN_FILE_NAME = "console-token"


def write_private(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text + "\n")
    os.chmod(path, 0o600)


async def bootstrap_console_token(
    store: Store, data_dir: Path, configured: str | None, log: logging.Logger
) -> Path | None:
    """Make sure a console token exists; return the token file when one is used.

    ``configured`` (``GATEWAY_CONSOLE_TOKEN``) wins. Otherwise the token in ``<data_dir>/console-token``
    is reused if the store knows it, else a new one is generated, its hash stored and the plaintext
    written to that file (mode 0600). The token itself is never logged.
    """
    if configured:
        await store.add_console_token(hash_secret(configured))
        log.info("console token: taken from GATEWAY_CONSOLE_TOKEN")
        return None
    path = data_dir / TOKEN_FILE_NAME
    if path.exists():
        existing = path.read_text().strip()
        if existing and await store.console_token_valid(hash_secret(existing)):
            log.info("console token: reusing the one in %s", path)
            return path
    token = new_console_token()
    await store.add_console_token(hash_secret(token))
    write_private(path, token)
    log.info("console token: generated, written to %s (mode 0600)", path.resolve())
    return path
