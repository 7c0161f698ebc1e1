"""Refreshing the query planner's statistics and visibility map after a bulk load.

PostgreSQL plans audience queries from table statistics that autovacuum refreshes only some time after a big
load. With stale ones it misjudges the activity subqueries (estimated 500 rows, actually 4 million) and hashes
millions of events up front: the winback-90 audience over 1M customers / 10M events took 16 s right after the
load and 0.68 s after ANALYZE. So a large import refreshes them itself.

It runs VACUUM (ANALYZE), not only ANALYZE: VACUUM also marks the loaded pages all-visible, and only then can
the event conditions read the (name, occurred_at, customer_id) index alone (an index-only scan). Before that,
every matching event is also fetched from the table, a random read per row across the whole events table (the
heavy-user segment's 30-day login count at 100k customers / 1M events: 570 ms as a bitmap heap scan, 45-80 ms
index-only). VACUUM cannot run inside a transaction, so the connection is switched to autocommit for it; the
caller must have committed its load. VACUUM skips pages already all-visible, so a load into a large store
costs about the pages it wrote. SQLite is left alone: its audience plans were measured without statistics
(docs/conditions.md) and ANALYZE could change them.
"""

from __future__ import annotations

from sqlalchemy import Connection, text

LARGE_LOAD_ROWS = 10_000
"""Below this many rows a load barely moves the statistics, and autovacuum keeps up."""


def refresh_after_load(connection: Connection, tables: tuple[str, ...], rows: int) -> bool:
    """VACUUM (ANALYZE) `tables` on PostgreSQL when `rows` is a large load; returns whether it did. The
    connection must be outside a transaction (the load committed)."""
    if connection.dialect.name != "postgresql" or rows < LARGE_LOAD_ROWS:
        return False
    autocommit = connection.execution_options(isolation_level="AUTOCOMMIT")
    for table in tables:
        autocommit.execute(text(f"VACUUM (ANALYZE) {connection.dialect.identifier_preparer.quote(table)}"))
    return True
