"""Initial tables: datasets, documents, segments, child chunks (as ``create_all`` made them before).

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _id() -> sa.Column:
    return sa.Column("id", sa.String(36), primary_key=True)


def _document_fk() -> sa.Column:
    return sa.Column(
        "document_id", sa.String(36), sa.ForeignKey("rag_documents.id", ondelete="CASCADE"), nullable=False
    )


def upgrade() -> None:
    op.create_table(
        "rag_datasets",
        _id(),
        sa.Column("workspace_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("provider", sa.String(16), nullable=False),
        sa.Column("permission", sa.String(32), nullable=False),
        sa.Column("indexing_technique", sa.String(16), nullable=False),
        sa.Column("embedding_model", sa.String(255), nullable=False),
        sa.Column("embedding_model_provider", sa.String(255), nullable=False),
        sa.Column("retrieval_model", sa.JSON(), nullable=False),
        sa.Column("doc_form", sa.String(32), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.UniqueConstraint("workspace_id", "name", name="uq_rag_dataset_name"),
    )
    op.create_table(
        "rag_documents",
        _id(),
        sa.Column(
            "dataset_id",
            sa.String(36),
            sa.ForeignKey("rag_datasets.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("batch", sa.String(64), nullable=False),
        sa.Column("data_source_type", sa.String(32), nullable=False),
        sa.Column("data_source_info", sa.JSON(), nullable=False),
        sa.Column("process_rule", sa.JSON(), nullable=False),
        sa.Column("doc_form", sa.String(32), nullable=False),
        sa.Column("doc_language", sa.String(64), nullable=False),
        sa.Column("doc_metadata", sa.JSON(), nullable=False),
        sa.Column("indexing_status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("archived", sa.Boolean(), nullable=False),
        sa.Column("disabled_at", sa.Integer(), nullable=True),
        sa.Column("disabled_by", sa.String(255), nullable=True),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("hit_count", sa.Integer(), nullable=False),
        sa.Column("generation", sa.Integer(), nullable=False),
        sa.Column("indexed_generation", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.Column("processing_started_at", sa.Integer(), nullable=True),
        sa.Column("parsing_completed_at", sa.Integer(), nullable=True),
        sa.Column("cleaning_completed_at", sa.Integer(), nullable=True),
        sa.Column("splitting_completed_at", sa.Integer(), nullable=True),
        sa.Column("completed_at", sa.Integer(), nullable=True),
        sa.Column("paused_at", sa.Integer(), nullable=True),
        sa.Column("stopped_at", sa.Integer(), nullable=True),
        sa.Column("completed_segments", sa.Integer(), nullable=False),
        sa.Column("total_segments", sa.Integer(), nullable=False),
    )
    op.create_index("ix_rag_documents_batch", "rag_documents", ["dataset_id", "batch"])
    op.create_table(
        "rag_segments",
        _id(),
        sa.Column("dataset_id", sa.String(36), nullable=False, index=True),
        _document_fk(),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("answer", sa.Text(), nullable=False),
        sa.Column("keywords", sa.JSON(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("tokens", sa.Integer(), nullable=False),
        sa.Column("index_node_id", sa.String(64), nullable=False),
        sa.Column("index_node_hash", sa.String(64), nullable=False),
        sa.Column("hit_count", sa.Integer(), nullable=False),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("disabled_at", sa.Integer(), nullable=True),
        sa.Column("disabled_by", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.Column("updated_by", sa.String(255), nullable=False),
        sa.Column("completed_at", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
    )
    op.create_index("ix_rag_segments_document", "rag_segments", ["document_id", "position"])
    op.create_table(
        "rag_child_chunks",
        _id(),
        sa.Column("dataset_id", sa.String(36), nullable=False),
        _document_fk(),
        sa.Column("segment_id", sa.String(36), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content", sa.Text(), nullable=False),
        sa.Column("word_count", sa.Integer(), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
    )
    op.create_index("ix_rag_child_chunks_document_id", "rag_child_chunks", ["document_id"])
    op.create_index("ix_rag_child_chunks_segment", "rag_child_chunks", ["segment_id", "position"])


def downgrade() -> None:
    for table in ("rag_child_chunks", "rag_segments", "rag_documents", "rag_datasets"):
        op.drop_table(table)
