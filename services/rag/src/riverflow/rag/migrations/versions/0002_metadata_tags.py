"""Dataset metadata fields, the built-in metadata switch, knowledge tags and their bindings.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("rag_datasets") as batch:
        batch.add_column(
            sa.Column("built_in_field_enabled", sa.Boolean(), nullable=False, server_default="0")
        )
    op.create_table(
        "rag_metadata_fields",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column(
            "dataset_id",
            sa.String(36),
            sa.ForeignKey("rag_datasets.id", ondelete="CASCADE"),
            nullable=False,
            index=True,
        ),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.Column("updated_at", sa.Integer(), nullable=False),
        sa.UniqueConstraint("dataset_id", "name", name="uq_rag_metadata_field_name"),
    )
    op.create_table(
        "rag_tags",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("workspace_id", sa.String(64), nullable=False, index=True),
        sa.Column("name", sa.String(50), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("created_by", sa.String(255), nullable=False),
        sa.Column("created_at", sa.Integer(), nullable=False),
        sa.UniqueConstraint("workspace_id", "name", name="uq_rag_tag_name"),
    )
    op.create_table(
        "rag_tag_bindings",
        sa.Column(
            "tag_id", sa.String(36), sa.ForeignKey("rag_tags.id", ondelete="CASCADE"), primary_key=True
        ),
        sa.Column(
            "dataset_id",
            sa.String(36),
            sa.ForeignKey("rag_datasets.id", ondelete="CASCADE"),
            primary_key=True,
            index=True,
        ),
        sa.Column("created_at", sa.Integer(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("rag_tag_bindings")
    op.drop_table("rag_tags")
    op.drop_table("rag_metadata_fields")
    with op.batch_alter_table("rag_datasets") as batch:
        batch.drop_column("built_in_field_enabled")
