"""Where a conversation and a message come from (Dify's ``from_source``): ``api`` for an end user of
the Service API, ``console`` for an account's debug run, and the console account's id. Rows written
before this revision were the Service API's or a console run's under the same ``user`` column; they
become ``api``, as nothing told them apart.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

_TABLES = ("conversations", "messages")


def upgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("from_source", sa.String(16), nullable=False, server_default="api"))
            batch.add_column(sa.Column("from_account_id", sa.String(36), nullable=True))


def downgrade() -> None:
    for table in _TABLES:
        with op.batch_alter_table(table) as batch:
            batch.drop_column("from_account_id")
            batch.drop_column("from_source")
