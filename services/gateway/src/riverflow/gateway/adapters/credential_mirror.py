"""``CredentialMirror`` adapters: a JetStream KV bucket (what the agent service reads), and a dict."""

from __future__ import annotations

from typing import Any

from nats.js.errors import BucketNotFoundError, KeyNotFoundError
from riverflow.contracts.credentials import CREDENTIALS_BUCKET, credentials_key

__all__ = ["InMemoryCredentialMirror", "NatsCredentialMirror"]


class InMemoryCredentialMirror:
    def __init__(self) -> None:
        self.values: dict[str, bytes] = {}

    async def put(self, workspace_id: str, provider: str, sealed: bytes) -> None:
        self.values[credentials_key(workspace_id, provider)] = sealed

    async def delete(self, workspace_id: str, provider: str) -> None:
        self.values.pop(credentials_key(workspace_id, provider), None)


class NatsCredentialMirror:
    """Writes sealed credentials to ``CREDENTIALS_BUCKET`` (created on first use) through the
    connection of ``broker`` (the run bus's, connected at startup)."""

    def __init__(self, broker: Any) -> None:
        self._broker = broker
        self._kv: Any = None

    async def _bucket(self) -> Any:
        if self._kv is None:
            js = self._broker.connection.jetstream()
            try:
                self._kv = await js.key_value(CREDENTIALS_BUCKET)
            except BucketNotFoundError:
                self._kv = await js.create_key_value(bucket=CREDENTIALS_BUCKET, history=1)
        return self._kv

    async def put(self, workspace_id: str, provider: str, sealed: bytes) -> None:
        await (await self._bucket()).put(credentials_key(workspace_id, provider), sealed)

    async def delete(self, workspace_id: str, provider: str) -> None:
        try:
            await (await self._bucket()).delete(credentials_key(workspace_id, provider))
        except KeyNotFoundError:
            pass
