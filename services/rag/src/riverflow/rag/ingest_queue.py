"""``IngestQueue`` and ``ProgressSink`` adapters: JetStream (the service), in process (tests, reference)."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from nats.js import JetStreamContext
from riverflow.contracts import rag_subjects
from riverflow.contracts.events.v1.rag import IngestionProgress, IngestionRequested

__all__ = ["JetStreamIngestQueue", "InlineIngestQueue", "JetStreamProgressSink", "InMemoryProgressSink"]


class JetStreamIngestQueue:
    """Publishes the job to ``RF_RAG_INGEST`` and returns once JetStream stored it (msg id = job id)."""

    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def submit(self, job: IngestionRequested) -> None:
        await self._js.publish(
            rag_subjects.ingest(job.dataset_id),
            job.model_dump_json().encode(),
            stream=rag_subjects.INGEST_STREAM,
            headers={"Nats-Msg-Id": job.job_id},
        )


class InlineIngestQueue:
    """Runs each job in a background task of this process: same pipeline, no bus; ``drain()`` waits."""

    def __init__(self, run: Callable[[IngestionRequested], Awaitable[None]] | None = None) -> None:
        self.run = run
        self._tasks: set[asyncio.Task[None]] = set()

    async def submit(self, job: IngestionRequested) -> None:
        if self.run is None:
            raise RuntimeError("InlineIngestQueue has no pipeline attached")
        task = asyncio.create_task(self.run(job))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        while self._tasks:
            await asyncio.gather(*list(self._tasks))


class JetStreamProgressSink:
    def __init__(self, js: JetStreamContext) -> None:
        self._js = js

    async def publish(self, progress: IngestionProgress) -> None:
        await self._js.publish(
            rag_subjects.progress(progress.dataset_id, progress.batch),
            progress.model_dump_json().encode(),
            stream=rag_subjects.PROGRESS_STREAM,
        )


class InMemoryProgressSink:
    def __init__(self) -> None:
        self.events: list[IngestionProgress] = []

    async def publish(self, progress: IngestionProgress) -> None:
        self.events.append(progress)
