"""The rag service's metadata database (SQLAlchemy 2 async): datasets, documents, segments, child chunks.

SQLite by default (a file beside the vector store); PostgreSQL when ``RAG_DATABASE_URL`` names one.
The schema is Alembic's (``migrations/``, upgraded at start-up). Chunk vectors and the full-text index
live in the ``VectorStore``, not here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
    text,
)
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "Base",
    "DatasetRow",
    "DocumentRow",
    "SegmentRow",
    "ChildChunkRow",
    "MetadataFieldRow",
    "TagRow",
    "TagBindingRow",
    "open_database",
    "migrate",
    "MIGRATIONS_DIR",
]

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
#: The revision whose tables ``create_all`` made before the service had migrations.
_BASELINE = "0001"
#: Serialises start-up upgrades of replicas sharing one PostgreSQL database.
_PG_LOCK = 0x7269766572  # "river"


class Base(DeclarativeBase):
    type_annotation_map = {dict[str, Any]: JSON, list[Any]: JSON}

    def __init__(self, **kwargs: Any) -> None:
        # Column defaults apply at INSERT only; new objects get them now, so code can read them at once.
        for column in self.__table__.columns:
            if column.key not in kwargs and column.default is not None:
                arg = column.default.arg
                kwargs[column.key] = arg(None) if callable(arg) else arg
        for key, value in kwargs.items():
            if not hasattr(type(self), key):
                raise TypeError(f"{type(self).__name__} has no attribute {key!r}")
            setattr(self, key, value)


class DatasetRow(Base):
    __tablename__ = "rag_datasets"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_rag_dataset_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    provider: Mapped[str] = mapped_column(String(16), default="vendor")
    permission: Mapped[str] = mapped_column(String(32), default="only_me")
    indexing_technique: Mapped[str] = mapped_column(String(16), default="")
    embedding_model: Mapped[str] = mapped_column(String(255), default="")
    embedding_model_provider: Mapped[str] = mapped_column(String(255), default="")
    retrieval_model: Mapped[dict[str, Any]] = mapped_column(default=dict)
    doc_form: Mapped[str] = mapped_column(String(32), default="")
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(255), default="")
    updated_at: Mapped[int] = mapped_column(Integer)
    #: Dify's built-in metadata (document_name, uploader...) shown in documents' ``doc_metadata``.
    built_in_field_enabled: Mapped[bool] = mapped_column(Boolean, default=False, server_default="0")


class DocumentRow(Base):
    __tablename__ = "rag_documents"
    __table_args__ = (Index("ix_rag_documents_batch", "dataset_id", "batch"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("rag_datasets.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(255))
    batch: Mapped[str] = mapped_column(String(64))
    data_source_type: Mapped[str] = mapped_column(String(32), default="upload_file")
    data_source_info: Mapped[dict[str, Any]] = mapped_column(default=dict)
    process_rule: Mapped[dict[str, Any]] = mapped_column(default=dict)
    doc_form: Mapped[str] = mapped_column(String(32), default="text_model")
    doc_language: Mapped[str] = mapped_column(String(64), default="")
    doc_metadata: Mapped[dict[str, Any]] = mapped_column(default=dict)
    indexing_status: Mapped[str] = mapped_column(String(16), default="waiting")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    archived: Mapped[bool] = mapped_column(Boolean, default=False)
    disabled_at: Mapped[int | None] = mapped_column(Integer, default=None)
    disabled_by: Mapped[str | None] = mapped_column(String(255), default=None)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    hit_count: Mapped[int] = mapped_column(Integer, default=0)
    #: Counts (re-)indexings; an ingestion job for an older generation is stale.
    generation: Mapped[int] = mapped_column(Integer, default=1)
    #: The generation whose chunks are in the vector store (0: none yet).
    indexed_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[int] = mapped_column(Integer)
    processing_started_at: Mapped[int | None] = mapped_column(Integer, default=None)
    parsing_completed_at: Mapped[int | None] = mapped_column(Integer, default=None)
    cleaning_completed_at: Mapped[int | None] = mapped_column(Integer, default=None)
    splitting_completed_at: Mapped[int | None] = mapped_column(Integer, default=None)
    completed_at: Mapped[int | None] = mapped_column(Integer, default=None)
    paused_at: Mapped[int | None] = mapped_column(Integer, default=None)
    stopped_at: Mapped[int | None] = mapped_column(Integer, default=None)
    completed_segments: Mapped[int] = mapped_column(Integer, default=0)
    total_segments: Mapped[int] = mapped_column(Integer, default=0)


class SegmentRow(Base):
    __tablename__ = "rag_segments"
    __table_args__ = (Index("ix_rag_segments_document", "document_id", "position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(36), index=True)
    document_id: Mapped[str] = mapped_column(ForeignKey("rag_documents.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    answer: Mapped[str] = mapped_column(Text, default="")
    keywords: Mapped[list[Any]] = mapped_column(default=list)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    tokens: Mapped[int] = mapped_column(Integer, default=0)
    index_node_id: Mapped[str] = mapped_column(String(64), default="")
    index_node_hash: Mapped[str] = mapped_column(String(64), default="")
    hit_count: Mapped[int] = mapped_column(Integer, default=0)
    enabled: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled_at: Mapped[int | None] = mapped_column(Integer, default=None)
    disabled_by: Mapped[str | None] = mapped_column(String(255), default=None)
    status: Mapped[str] = mapped_column(String(16), default="completed")
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[int] = mapped_column(Integer)
    updated_by: Mapped[str] = mapped_column(String(255), default="")
    completed_at: Mapped[int | None] = mapped_column(Integer, default=None)
    error: Mapped[str | None] = mapped_column(Text, default=None)


class ChildChunkRow(Base):
    __tablename__ = "rag_child_chunks"
    __table_args__ = (Index("ix_rag_child_chunks_segment", "segment_id", "position"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(String(36))
    document_id: Mapped[str] = mapped_column(ForeignKey("rag_documents.id", ondelete="CASCADE"), index=True)
    segment_id: Mapped[str] = mapped_column(String(36))
    position: Mapped[int] = mapped_column(Integer)
    content: Mapped[str] = mapped_column(Text)
    word_count: Mapped[int] = mapped_column(Integer, default=0)
    type: Mapped[str] = mapped_column(String(16), default="automatic")
    created_at: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[int] = mapped_column(Integer)


class MetadataFieldRow(Base):
    """A dataset's metadata field; documents keep their values by name in ``doc_metadata``."""

    __tablename__ = "rag_metadata_fields"
    __table_args__ = (UniqueConstraint("dataset_id", "name", name="uq_rag_metadata_field_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(ForeignKey("rag_datasets.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(16))
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[int] = mapped_column(Integer)


class TagRow(Base):
    __tablename__ = "rag_tags"
    __table_args__ = (UniqueConstraint("workspace_id", "name", name="uq_rag_tag_name"),)

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    workspace_id: Mapped[str] = mapped_column(String(64), index=True)
    name: Mapped[str] = mapped_column(String(50))
    type: Mapped[str] = mapped_column(String(16), default="knowledge")
    created_by: Mapped[str] = mapped_column(String(255), default="")
    created_at: Mapped[int] = mapped_column(Integer)


class TagBindingRow(Base):
    __tablename__ = "rag_tag_bindings"

    tag_id: Mapped[str] = mapped_column(ForeignKey("rag_tags.id", ondelete="CASCADE"), primary_key=True)
    dataset_id: Mapped[str] = mapped_column(
        ForeignKey("rag_datasets.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    created_at: Mapped[int] = mapped_column(Integer)


def _upgrade(connection: Connection, revision: str) -> None:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    if connection.dialect.name == "postgresql":
        connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _PG_LOCK})
    tables = set(inspect(connection).get_table_names())
    if "rag_datasets" in tables and "alembic_version" not in tables:
        command.stamp(config, _BASELINE)  # a database from before migrations: its tables are 0001's
    command.upgrade(config, revision)


async def migrate(engine: AsyncEngine, revision: str = "head") -> None:
    """``alembic upgrade <revision>`` on ``engine``, in one transaction."""
    async with engine.begin() as conn:
        await conn.run_sync(_upgrade, revision)


async def open_database(url: str, **engine_args: Any) -> tuple[AsyncEngine, async_sessionmaker]:
    """Engine and session factory, with the schema upgraded to the latest migration."""
    sqlite = url.startswith("sqlite")
    connect_args = {"timeout": 30} if sqlite else {}
    connect_args.update(engine_args.pop("connect_args", {}))
    engine = create_async_engine(url, connect_args=connect_args, **engine_args)
    if sqlite:

        @event.listens_for(engine.sync_engine, "connect")
        def _pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            # WAL: readers (status polls) never wait for the ingestion writer; NORMAL: a commit survives a
            # process crash without an fsync each (only a power cut can lose the last ones); FKs for CASCADE.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

    await migrate(engine)
    return engine, async_sessionmaker(engine, expire_on_commit=False)
