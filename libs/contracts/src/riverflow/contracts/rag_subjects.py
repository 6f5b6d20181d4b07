"""NATS subjects and JetStream streams of the rag service's own work: ingestion jobs and their progress.

- ``RF_RAG_INGEST`` (work queue): one ``IngestionRequested`` per document to (re-)index, on
  ``rf.v1.rag.ingest.<dataset_id>``; the rag service's durable pull consumer ``rag-ingest`` takes them.
- ``RF_RAG_PROGRESS`` (limits, 1 day): ``IngestionProgress`` events on
  ``rf.v1.rag.progress.<dataset_id>.<batch>``, one per status change, for watchers of a batch.
- Uploaded files wait in the JetStream object store bucket ``rf_rag_uploads`` (key: document id)
  until ingested, so any replica can take the job.

The rag service declares these at startup (``riverflow.runtime.streams`` owns the run streams).
"""

from __future__ import annotations

__all__ = [
    "INGEST_STREAM",
    "PROGRESS_STREAM",
    "INGEST_ALL",
    "PROGRESS_ALL",
    "INGEST_DURABLE",
    "UPLOADS_BUCKET",
    "ingest",
    "progress",
]

INGEST_STREAM = "RF_RAG_INGEST"
PROGRESS_STREAM = "RF_RAG_PROGRESS"

INGEST_ALL = "rf.v1.rag.ingest.>"
PROGRESS_ALL = "rf.v1.rag.progress.>"

#: Durable pull consumer shared by every rag replica (replicas split the documents).
INGEST_DURABLE = "rag-ingest"

UPLOADS_BUCKET = "rf_rag_uploads"


def ingest(dataset_id: str) -> str:
    """Subject of ingestion jobs for ``dataset_id``."""
    return f"rf.v1.rag.ingest.{dataset_id}"


def progress(dataset_id: str, batch: str) -> str:
    """Subject of the progress events of ``batch`` in ``dataset_id``."""
    return f"rf.v1.rag.progress.{dataset_id}.{batch}"
