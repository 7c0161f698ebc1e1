"""Refreshing the query planner's statistics after a bulk load.

PostgreSQL plans audience queries from table statistics that autovacuum refreshes only some time after a big
load. With stale ones it misjudges the activity subqueries (estimated 500 rows, actually 4 million) and hashes
millions of events up front: the winback-90 audience over 1M customers / 10M events took 16 s right after the
load and 0.68 s after ANALYZE. So a large import refreshes them itself. SQLite is left alone: its audience
plans were measured without statistics (docs/conditions.md) and ANALYZE could change them.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

LARGE_LOAD_ROWS = 10_000
"""Below this many rows a load barely moves the statistics, and autovacuum keeps up."""


def refresh_after_load(connection: Connection, tables: tuple[str, ...], rows: int) -> bool:
    """ANALYZE `tables` on PostgreSQL when `rows` is a large load; returns whether it did."""
    if connection.dialect.name != "postgresql" or rows < LARGE_LOAD_ROWS:
        return False
    for table in tables:
        connection.execute(text(f"ANALYZE {connection.dialect.identifier_preparer.quote(table)}"))
    return True
