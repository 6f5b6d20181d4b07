"""Alembic environment: runs on the connection handed over by ``riverflow.rag.db.migrate``."""

from __future__ import annotations

from alembic import context
from riverflow.rag.db import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through riverflow.rag.db.migrate")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
