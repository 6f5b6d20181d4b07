"""JetStream adapters: credentials (KV, sealed, cached briefly), results (KV), the run-inbox publisher."""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from faststream.nats import NatsBroker
from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyNotFoundError, NotFoundError
from nats.js.kv import KeyValue
from opentelemetry import propagate
from riverflow.contracts import subjects
from riverflow.contracts.credentials import CREDENTIALS_BUCKET, credentials_key
from riverflow.contracts.events.v1 import NodeTaskChunk, NodeTaskResult, RunEvent
from riverflow.runtime.secret_box import SecretBox, SecretBoxError

__all__ = ["KvCredentialStore", "KvResultStore", "InboxPublisher", "RESULTS_BUCKET", "ensure_results_bucket"]

log = logging.getLogger("riverflow.agent.jetstream")

#: Results of finished tasks and model calls, so redelivered work is never billed twice.
RESULTS_BUCKET = "rf_agent_results"
_RESULTS_TTL = 7 * 24 * 3600.0  # as long as the run log is kept


async def ensure_results_bucket(js: JetStreamContext, bucket: str = RESULTS_BUCKET) -> KeyValue:
    try:
        return await js.key_value(bucket)
    except (BucketNotFoundError, NotFoundError):
        config = KeyValueConfig(bucket=bucket, history=1, ttl=_RESULTS_TTL, storage=StorageType.FILE)
        return await js.create_key_value(config)


def _kv_key(key: str) -> str:
    # KV keys allow only [-/_=.a-zA-Z0-9]; run and node ids may hold anything else.
    return hashlib.sha256(key.encode()).hexdigest()


class KvResultStore:
    def __init__(self, kv: KeyValue) -> None:
        self.kv = kv

    async def get(self, key: str) -> dict[str, Any] | None:
        try:
            entry = await self.kv.get(_kv_key(key))
        except KeyNotFoundError:
            return None
        return json.loads(entry.value) if entry.value else None

    async def put(self, key: str, value: dict[str, Any]) -> None:
        await self.kv.put(_kv_key(key), json.dumps(value, separators=(",", ":")).encode())


class KvCredentialStore:
    """Reads the gateway's sealed credentials; caches them (and their absence) for ``ttl`` seconds."""

    def __init__(
        self,
        js: JetStreamContext,
        box: SecretBox | Callable[[], SecretBox | None] | None,
        ttl: float = 30.0,
        bucket: str = CREDENTIALS_BUCKET,
    ):
        # A loader, not only a box: the key file may appear after we start (the gateway writes it).
        self._box_loader = box if callable(box) and not isinstance(box, SecretBox) else (lambda: box)
        self.box: SecretBox | None = None
        self.js, self.ttl, self.bucket = js, ttl, bucket
        self._kv: KeyValue | None = None
        self._cache: dict[str, tuple[float, dict[str, Any] | None]] = {}

    async def _bucket(self) -> KeyValue | None:
        if self._kv is None:
            try:
                self._kv = await self.js.key_value(self.bucket)
            except (BucketNotFoundError, NotFoundError):
                return None  # nobody stored credentials yet
        return self._kv

    async def get(self, workspace_id: str, provider: str) -> dict[str, Any] | None:
        key = credentials_key(workspace_id, provider)
        hit = self._cache.get(key)
        if hit is not None and hit[0] > time.monotonic():
            return hit[1]
        value = await self._read(key)
        self._cache[key] = (time.monotonic() + self.ttl, value)
        return value

    async def _read(self, key: str) -> dict[str, Any] | None:
        kv = await self._bucket()
        if self.box is None:
            self.box = self._box_loader()
        if kv is None or self.box is None:
            return None
        try:
            entry = await kv.get(key)
        except (KeyNotFoundError, ValueError):
            return None  # ValueError: a provider name that is no valid KV key has nothing stored
        if not entry.value:
            return None
        try:
            value = self.box.open(entry.value)
        except SecretBoxError:
            # Never log the value: only that this key could not be opened with our secret.
            log.error("credentials %s cannot be decrypted with RIVERFLOW_SECRET_KEY", key)
            return None
        return value if isinstance(value, dict) else None


class InboxPublisher:
    """Publishes to ``run_inbox(run_id)`` with ``Nats-Msg-Id = event_id`` and waits for the stream's ack;
    relayed chunks go to ``run_chunks(run_id)`` in the run events stream.

    Results go through the broker (a publish span in the run's trace). Chunks, one per streamed
    token, go straight to JetStream with only the trace context in their headers: the orchestrator's
    handling of each stays in the run's trace, without a publish span and FastStream's middleware
    per token.
    """

    def __init__(self, broker: NatsBroker) -> None:
        self.broker = broker

    async def publish(self, event: NodeTaskChunk | NodeTaskResult) -> None:
        subject, headers = subjects.run_inbox(event.run_id), {"Nats-Msg-Id": event.event_id}
        if isinstance(event, NodeTaskChunk):
            propagate.inject(headers)
            js = self.broker.connection.jetstream()
            await js.publish(
                subject, event.model_dump_json().encode(), stream=subjects.RUN_INBOX_STREAM, headers=headers
            )
            return
        await self.broker.publish(event, subject, headers=headers, stream=subjects.RUN_INBOX_STREAM)

    async def relay(self, event: RunEvent, msg_id: str) -> None:
        # Awaited one at a time, like chunks: the stream keeps them in order and paces the model.
        js = self.broker.connection.jetstream()
        await js.publish(
            subjects.run_chunks(event.run_id),
            event.model_dump_json().encode(),
            stream=subjects.RUN_EVENTS_STREAM,
            headers={"Nats-Msg-Id": msg_id},
        )
