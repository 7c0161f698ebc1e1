"""A large load refreshes PostgreSQL's planner statistics and visibility map (engine/store/statistics.py);
small loads and SQLite are left alone."""

from __future__ import annotations

from sqlalchemy import Engine, text

from engine.store.statistics import LARGE_LOAD_ROWS, refresh_after_load


def _analyzed(engine: Engine) -> bool | None:
    """Whether `customers` was ever vacuumed and analyzed in this test's schema (None on SQLite: no such
    notion)."""
    with engine.connect() as connection:
        if connection.dialect.name != "postgresql":
            names = connection.execute(text("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")).all()
            assert names == []  # SQLite never got ANALYZE
            return None
        row = connection.execute(text(
            "SELECT last_analyze, last_vacuum FROM pg_stat_user_tables WHERE relname = 'customers' AND schemaname = current_schema()"
        )).one()
        assert (row.last_analyze is None) == (row.last_vacuum is None)
        return row.last_analyze is not None


def test_a_small_load_leaves_statistics_to_autovacuum(store_engine: Engine) -> None:
    with store_engine.connect() as connection:
        assert refresh_after_load(connection, ("customers",), LARGE_LOAD_ROWS - 1) is False
    assert _analyzed(store_engine) in (False, None)


def test_a_large_load_vacuums_and_analyzes_on_postgresql_only(store_engine: Engine) -> None:
    with store_engine.connect() as connection:  # outside a transaction: VACUUM cannot run in one
        did = refresh_after_load(connection, ("customers",), LARGE_LOAD_ROWS)
    on_postgresql = store_engine.dialect.name == "postgresql"
    assert did is on_postgresql
    assert _analyzed(store_engine) is (True if on_postgresql else None)
