"""Alembic environment: runs on the connection handed over by ``sql_database.migrate``."""

from __future__ import annotations

from alembic import context
from riverflow.gateway.adapters import sql_models_accounts, sql_models_chat, sql_models_mcp  # noqa: F401 - tables
from riverflow.gateway.adapters.sql_models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through riverflow.gateway.adapters.sql_database.migrate")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
