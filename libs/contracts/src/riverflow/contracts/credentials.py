"""Where model-provider credentials live on the bus: a JetStream KV bucket, values encrypted.

The gateway (console API) writes them; the agent service reads them. Values are
``riverflow.runtime.secret_box.SecretBox`` tokens of a JSON object such as
``{"api_key": "...", "api_base": "...", "extra": {...}}``; plaintext never touches the bus or logs.
"""

from __future__ import annotations

__all__ = ["CREDENTIALS_BUCKET", "credentials_key"]

CREDENTIALS_BUCKET = "rf_provider_credentials"


def credentials_key(workspace_id: str, provider: str) -> str:
    """KV key of ``provider``'s credentials in ``workspace_id`` (e.g. ``ws-1.openai``)."""
    return f"{workspace_id}.{provider}"
