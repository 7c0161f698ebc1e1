"""Alembic environment: runs migrations on the connection `engine.store.migrate` hands over.

There is no alembic.ini: `engine.store.migrate.alembic_config` builds the config in code and passes an open
connection in `config.attributes["connection"]`, so migrations use the same Engine settings (SQLite pragmas,
PostgreSQL search_path) as the rest of Rekindle.
"""

from __future__ import annotations

from alembic import context

from engine.store.migrate import target_metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=target_metadata(connection),
    # SQLite cannot ALTER most things in place; batch mode rebuilds the table, so future revisions work there.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
