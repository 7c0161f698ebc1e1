"""INSERT ... ON CONFLICT DO UPDATE for the two dialects Rekindle supports, SQLite and PostgreSQL.

Both spell the statement the same way in SQLAlchemy, but merging two JSON documents differs: PostgreSQL's
`jsonb || jsonb` and SQLite's `json_patch` both replace top-level keys (Rekindle only merges flat documents).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from sqlalchemy import ColumnElement, Table, func
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.sql.dml import Insert

_INSERTS: dict[str, Callable[[Table], postgresql.Insert | sqlite.Insert]] = {
    "postgresql": postgresql.insert, "sqlite": sqlite.insert,
}


def upsert(
    dialect: str,
    table: Table,
    *,
    key: str | Sequence[str],
    replace: Iterable[str] = (),
    merge: Iterable[str] = (),
) -> Insert:
    """Insert rows of `table`; when `key` already exists, overwrite the `replace` columns and merge the JSON
    `merge` columns key by key, leaving every other stored column as it was. With neither, a row whose key
    exists is skipped (ON CONFLICT DO NOTHING). `key` names a unique column or the columns of a unique index."""
    if dialect not in _INSERTS:
        raise NotImplementedError(f"Rekindle supports SQLite and PostgreSQL stores, not {dialect}")
    statement = _INSERTS[dialect](table)
    keys = [key] if isinstance(key, str) else list(key)
    excluded = statement.excluded
    updates: dict[str, ColumnElement] = {name: excluded[name] for name in replace}
    for name in merge:
        updates[name] = _merge_json(dialect, table.c[name], excluded[name])
    if not updates:
        return statement.on_conflict_do_nothing(index_elements=keys)
    return statement.on_conflict_do_update(index_elements=keys, set_=updates)


def _merge_json(dialect: str, stored: ColumnElement, incoming: ColumnElement) -> ColumnElement:
    if dialect == "postgresql":
        return stored.op("||", return_type=JSONB)(incoming)
    return func.json_patch(stored, incoming, type_=stored.type)
