"""Chat and console: end users, conversations, messages, feedback, files, node executions, accounts,
members, sessions, provider credentials; app drafts and status; run and key columns.

Revision ID: 0002
Revises: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def _id(name: str = "id") -> sa.Column:
    return sa.Column(name, sa.String(36), primary_key=True)


def upgrade() -> None:
    with op.batch_alter_table("workspaces") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="normal"))
    with op.batch_alter_table("apps") as batch:
        batch.add_column(sa.Column("status", sa.String(16), nullable=False, server_default="normal"))
        batch.add_column(sa.Column("enable_api", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("updated_at", _TS, nullable=True))
        batch.add_column(sa.Column("draft_dsl", sa.Text, nullable=True))
        batch.add_column(sa.Column("draft_updated_at", _TS, nullable=True))
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("last_used_at", _TS, nullable=True))
    with op.batch_alter_table("workflow_runs") as batch:
        batch.add_column(sa.Column("mode", sa.String(32), nullable=False, server_default="workflow"))
        batch.add_column(sa.Column("conversation_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("message_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("end_user_id", sa.String(36), nullable=True))
        batch.add_column(sa.Column("exceptions_count", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(
            sa.Column("created_from", sa.String(32), nullable=False, server_default="service-api")
        )
        batch.create_index("ix_workflow_runs_task_id", ["task_id"])
    op.create_table(
        "node_executions",
        _id(),
        sa.Column("run_id", sa.String(36), nullable=False, index=True),
        sa.Column("app_id", sa.String(36), nullable=False),
        sa.Column("node_id", sa.String(255), nullable=False),
        sa.Column("node_type", sa.String(64), nullable=False),
        sa.Column("title", sa.String(255), nullable=False),
        sa.Column("index", sa.Integer, nullable=False),
        sa.Column("predecessor_node_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=True),
        sa.Column("outputs", sa.JSON, nullable=True),
        sa.Column("process_data", sa.JSON, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("elapsed_time", sa.Float, nullable=False),
        sa.Column("execution_metadata", sa.JSON, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("finished_at", _TS, nullable=True),
    )
    op.create_table(
        "end_users",
        _id(),
        sa.Column("app_id", sa.String(36), sa.ForeignKey("apps.id"), nullable=False, index=True),
        sa.Column("session_id", sa.String(255), nullable=False),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("is_anonymous", sa.Boolean, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.UniqueConstraint("app_id", "session_id", name="uq_end_users_app_session"),
    )
    op.create_table(
        "conversations",
        _id(),
        sa.Column("app_id", sa.String(36), sa.ForeignKey("apps.id"), nullable=False, index=True),
        sa.Column("user", sa.String(255), nullable=False, index=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("introduction", sa.Text, nullable=False),
        sa.Column("variables", sa.JSON, nullable=False),
        sa.Column("dialogue_count", sa.Integer, nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )
    op.create_table(
        "messages",
        _id(),
        sa.Column("app_id", sa.String(36), sa.ForeignKey("apps.id"), nullable=False, index=True),
        sa.Column(
            "conversation_id",
            sa.String(36),
            sa.ForeignKey("conversations.id", ondelete="CASCADE"),
            nullable=True,
            index=True,
        ),
        sa.Column("user", sa.String(255), nullable=False),
        sa.Column("run_id", sa.String(36), nullable=False, index=True),
        sa.Column("task_id", sa.String(36), nullable=False),
        sa.Column("mode", sa.String(32), nullable=False),
        sa.Column("query", sa.Text, nullable=False),
        sa.Column("inputs", sa.JSON, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("message_files", sa.JSON, nullable=False),
        sa.Column("usage", sa.JSON, nullable=False),
        sa.Column("retriever_resources", sa.JSON, nullable=False),
        sa.Column("agent_thoughts", sa.JSON, nullable=False),
        sa.Column("parent_message_id", sa.String(36), nullable=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "message_feedbacks",
        sa.Column(
            "message_id",
            sa.String(36),
            sa.ForeignKey("messages.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("app_id", sa.String(36), sa.ForeignKey("apps.id"), nullable=False, index=True),
        sa.Column("conversation_id", sa.String(36), nullable=True),
        sa.Column("user", sa.String(255), nullable=False),
        sa.Column("rating", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "upload_files",
        _id(),
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False, index=True),
        sa.Column("app_id", sa.String(36), nullable=True),
        sa.Column("user", sa.String(255), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("extension", sa.String(32), nullable=False),
        sa.Column("mime_type", sa.String(255), nullable=False),
        sa.Column("key", sa.String(512), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "accounts",
        _id(),
        sa.Column("email", sa.String(255), nullable=False, unique=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "workspace_members",
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id"), primary_key=True, index=True),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
    )
    op.create_table(
        "console_sessions",
        _id(),
        sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("account_id", sa.String(36), sa.ForeignKey("accounts.id"), nullable=False, index=True),
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.Column("revoked_at", _TS, nullable=True),
    )
    op.create_table(
        "provider_credentials",
        sa.Column("workspace_id", sa.String(36), sa.ForeignKey("workspaces.id"), primary_key=True),
        sa.Column("provider", sa.String(128), primary_key=True),
        sa.Column("sealed", sa.LargeBinary, nullable=False),
        sa.Column("updated_at", _TS, nullable=False),
    )


def downgrade() -> None:
    for table in (
        "provider_credentials",
        "console_sessions",
        "workspace_members",
        "accounts",
        "upload_files",
        "message_feedbacks",
        "messages",
        "conversations",
        "end_users",
        "node_executions",
    ):
        op.drop_table(table)
    with op.batch_alter_table("workflow_runs") as batch:
        batch.drop_index("ix_workflow_runs_task_id")
        for column in ("created_from", "exceptions_count", "end_user_id", "message_id"):
            batch.drop_column(column)
        batch.drop_column("conversation_id")
        batch.drop_column("mode")
    with op.batch_alter_table("api_keys") as batch:
        batch.drop_column("last_used_at")
    with op.batch_alter_table("apps") as batch:
        for column in ("draft_updated_at", "draft_dsl", "updated_at", "enable_api", "status"):
            batch.drop_column(column)
    with op.batch_alter_table("workspaces") as batch:
        batch.drop_column("status")
