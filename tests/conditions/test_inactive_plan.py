"""How `inactive` reads the customers on SQLite, which keeps no range statistics: by a scan when its
threshold holds more than an eighth of them (SqlContext.active_eighth), by the last_active_at index when
fewer. The agreement tests prove both spellings select the same customers; these pin down which is chosen
and what with_statistics measures."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

from sqlalchemy import insert
from sqlalchemy.dialects import postgresql, sqlite

from engine.conditions import parse_condition
from engine.conditions.sql import SqlContext
from engine.store.database import open_engine
from engine.store.migrate import upgrade
from engine.store.tables import customers

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
INACTIVE_90 = parse_condition({"inactive": {"for": "90d"}})
SCAN = "(+ customers.last_active_at) <="


def compiled(ctx: SqlContext, dialect=sqlite.dialect()) -> str:
    return str(INACTIVE_90.to_sql(ctx).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def context(active_eighth: datetime | None) -> SqlContext:
    return SqlContext(now=NOW, activity_events=("login",), segments={}, active_eighth=active_eighth)


def test_a_threshold_holding_more_than_an_eighth_of_the_customers_is_a_scan_on_sqlite() -> None:
    threshold = datetime(2026, 8, 25, 9)  # NOW - 90 days, naive UTC as stored
    assert SCAN in compiled(context(threshold))
    assert SCAN in compiled(context(threshold - timedelta(days=30)))


def test_fewer_than_an_eighth_or_unknown_keeps_the_index() -> None:
    threshold = datetime(2026, 8, 25, 9)
    for active_eighth in (threshold + timedelta(seconds=1), None):
        sql = compiled(context(active_eighth))
        assert SCAN not in sql and "customers.last_active_at <= '2026-08-25 09:00:00.000000'" in sql


def test_postgresql_always_gets_the_plain_column() -> None:
    sql = compiled(context(datetime(2026, 8, 25, 9)), dialect=postgresql.dialect())
    assert "(+" not in sql and "(customers.last_active_at) <= '2026-08-25 09:00:00' OR" in sql


def test_with_statistics_reads_the_last_activity_an_eighth_of_the_way_along_the_index(tmp_path: Path) -> None:
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    days = [None, *range(1, 16)]  # 16 customers: one never active, the others 1 to 15 days before NOW
    with engine.begin() as conn:
        conn.execute(insert(customers), [
            {"external_id": f"c{i}", "email": f"c{i}@example.com", "created_at": datetime(2026, 1, 1),
             "subscribed": True, "attributes": {},
             "last_active_at": None if day is None else datetime(2026, 11, 23, 9) - timedelta(days=day)}
            for i, day in enumerate(days)])
    with engine.connect() as conn:
        measured = context(None).with_statistics(conn).active_eighth
    engine.dispose()
    # 16 // 8 = 2 active customers lie before it, oldest first: 15 and 14 days ago, so it is 13 days ago
    assert measured == datetime(2026, 11, 10, 9)


def test_the_scan_tests_the_dates_before_the_replay_subqueries_and_selects_what_the_index_does(tmp_path: Path
                                                                                               ) -> None:
    # SQLite tests WHERE terms holding a correlated subquery last: the scan gets the dates-only test (every
    # column as +column, no numeric affinity) as a term of its own, ahead of the replay branch's EXISTS.
    sql = compiled(context(datetime(2026, 8, 25, 9)))
    assert sql.index("(+ customers.created_at) <=") < sql.index("EXISTS")
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    upgrade(engine)
    last = [None, None, NOW - timedelta(days=200), NOW - timedelta(days=10), NOW + timedelta(days=5),
            NOW + timedelta(days=5)]
    created = [datetime(2026, 1, 1), datetime(2026, 11, 1), *[datetime(2026, 1, 1)] * 4]
    with engine.begin() as conn:
        conn.execute(insert(customers), [
            {"external_id": f"c{i}", "email": f"c{i}@example.com", "created_at": made, "subscribed": True,
             "attributes": {"plan": "pro" if i % 2 else "free"},
             "last_active_at": None if at is None else at.replace(tzinfo=None)}
            for i, (at, made) in enumerate(zip(last, created))])
    from sqlalchemy import func, select

    trees = [INACTIVE_90, parse_condition({"not": {"inactive": {"for": "90d"}}}),
             parse_condition({"all": [{"inactive": {"for": "90d"}}, {"attribute": {"name": "plan", "eq": "pro"}}]})]
    with engine.connect() as conn:
        for tree in trees:
            counts = {conn.execute(select(func.count()).select_from(customers).where(tree.to_sql(ctx))).scalar_one()
                      for ctx in (context(datetime(2026, 8, 25, 9)), context(None))}
            assert len(counts) == 1, tree
    engine.dispose()
