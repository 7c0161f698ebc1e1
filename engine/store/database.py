"""Opening the store: one SQLAlchemy Engine per URL, with the per-dialect settings Rekindle relies on."""

from __future__ import annotations

from sqlalchemy import Engine, create_engine, event


def open_engine(url: str, **kwargs) -> Engine:
    """Create an Engine. SQLite gets foreign keys on, WAL journaling and a busy timeout so that a cron tick
    and an operator's command can share the file; other dialects are used as configured."""
    if url.startswith("sqlite"):
        kwargs.setdefault("connect_args", {"timeout": 30})
        engine = create_engine(url, **kwargs)

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.name == "postgresql":
        event.listen(engine, "connect", _postgres_settings)
    return engine


def _postgres_settings(dbapi_connection, _record) -> None:
    """JIT off: audience conditions compile to large CASE expressions (one branch per timezone) whose JIT
    compilation costs seconds while the queries themselves take a fraction of that (see docs/conditions.md).
    cursor_tuple_fraction 1: audiences are streamed through server-side cursors and always read to the end, so
    they must be planned for the whole result, not for the first 10% of rows (PostgreSQL's default for cursors,
    which picks per-customer nested loops over one grouped pass of the events).
    Set outside a transaction so that a later rollback does not undo it."""
    autocommit = dbapi_connection.autocommit
    dbapi_connection.autocommit = True
    cursor = dbapi_connection.cursor()
    cursor.execute("SET jit = off")
    cursor.execute("SET cursor_tuple_fraction = 1.0")
    cursor.close()
    dbapi_connection.autocommit = autocommit
