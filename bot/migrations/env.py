"""Alembic environment: runs on the connection ``bot.db.Database.upgrade`` hands over."""

from alembic import context

from bot.db import include_in_autogenerate
from bot.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `kindness-bot db upgrade`")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_in_autogenerate,
)
with context.begin_transaction():
    context.run_migrations()
