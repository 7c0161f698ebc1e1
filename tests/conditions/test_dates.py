"""Local dates in SQL equal Python's `astimezone` for every zone, including instants around DST changes,
and the SqlContext refuses to compile zone-dependent conditions without knowing the zones."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from tests.conditions.kit import load_store
from engine.conditions import parse_condition
from engine.conditions.dates import local_date, local_date_sql, local_today, offset_segments, resolve_zone
from engine.conditions.sql import SqlContext, TimezonesNotLoaded, customers

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
ZONES = ["Europe/London", "America/Sao_Paulo", "Pacific/Chatham", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/Santiago", "UTC"]


@st.composite
def near_transitions(draw: st.DrawFn) -> datetime:
    """Instants within a day of a UTC offset change of one of ZONES (or anywhere since 1970)."""
    zone = draw(st.sampled_from(ZONES))
    changes = [start for start, _ in offset_segments(zone, 1970, NOW.year + 5)[1:]] or [datetime(2000, 1, 1)]
    around = draw(st.sampled_from(changes))
    return around + timedelta(seconds=draw(st.integers(-86400, 86400)))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stamps=st.lists(st.one_of(near_transitions(), st.datetimes(datetime(1970, 1, 1), datetime(2031, 1, 1))),
                       min_size=1, max_size=20))
def test_local_dates_match_python(store_engine: Engine, stamps: list[datetime]) -> None:
    with store_engine.begin() as connection:
        load_store(connection, [{"created_at": stamp} for stamp in stamps])
    with store_engine.connect() as connection:
        for name in ZONES:
            zone = resolve_zone(name)
            query = select(customers.c.created_at, local_date_sql(customers.c.created_at, zone, NOW))
            for stored, in_sql in connection.execute(query):
                assert in_sql == local_date(stored, zone), (name, stored)


def test_offsets_follow_tzdata() -> None:
    london = dict(offset_segments("Europe/London", 1970, 2026))
    assert london[datetime(2026, 3, 29, 1, 0)] == 3600  # BST starts 01:00 UTC, last Sunday of March
    assert london[datetime(2026, 10, 25, 1, 0)] == 0
    assert offset_segments("Asia/Kolkata", 1970, 2026) == ((datetime(1970, 1, 1), 19800),)


def test_zone_dependent_conditions_need_the_zones() -> None:
    ctx = SqlContext(now=NOW, activity_events=("login",), segments={})
    with pytest.raises(TimezonesNotLoaded, match="with_timezones"):
        parse_condition({"days_since": {"field": "created_at", "gte": 3}}).to_sql(ctx)


def test_with_timezones_lists_the_zones_present(store_engine: Engine) -> None:
    with store_engine.begin() as connection:
        load_store(connection, [{"timezone": "Europe/Paris"}, {"timezone": None}, {"timezone": "Asia/Tokyo"},
                                {"timezone": "Europe/Paris"}])
    with store_engine.connect() as connection:
        ctx = SqlContext(now=NOW, activity_events=(), segments={}).with_timezones(connection)
    assert ctx.timezones == ("Asia/Tokyo", "Europe/Paris")


MIDNIGHT_ZONES = ["America/Santiago", "America/Sao_Paulo", "Asia/Beirut", "Pacific/Apia", "America/Havana",
                  "Europe/London", "Pacific/Chatham"]


@st.composite
def near_midnight_changes(draw: st.DrawFn) -> datetime:
    """Instants within a day of an offset change in zones that change at local midnight (Santiago falls back
    from 00:00 to 23:00; Apia skipped 30 December 2011)."""
    zone = draw(st.sampled_from(MIDNIGHT_ZONES))
    changes = [start for start, _ in offset_segments(zone, 1970, NOW.year + 5)[1:]]
    return draw(st.sampled_from(changes)) + timedelta(seconds=draw(st.integers(-86400, 86400)))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stamps=st.lists(near_midnight_changes(), min_size=1, max_size=8), now=near_midnight_changes())
def test_days_since_at_day_boundaries_matches_python(store_engine: Engine, stamps: list[datetime],
                                                     now: datetime) -> None:
    """Every customer is tested at exactly its own day count and its neighbours, in every zone."""
    from tests.conditions.kit import Situation, python_verdicts, sql_selection

    people = [{"created_at": stamp, "timezone": zone} for stamp in stamps for zone in MIDNIGHT_ZONES]
    with store_engine.begin() as connection:
        load_store(connection, people)
    now = now.replace(tzinfo=timezone.utc)
    situation = Situation(now=now)
    days = {local_today(now, resolve_zone(p["timezone"])) - date.fromisoformat(local_date(p["created_at"],
            resolve_zone(p["timezone"]))) for p in people}
    for count in sorted({d.days + shift for d in days for shift in (-1, 0, 1)})[:9]:
        for op in ("eq", "lte"):  # both sides of a local midnight
            condition = parse_condition({"days_since": {"field": "created_at", op: count}})
            by_python = {key for key, verdict in python_verdicts(store_engine, condition, situation).items()
                         if verdict.passed}
            assert sql_selection(store_engine, condition, situation) == by_python, (op, count)


def test_the_timezones_present_are_found_by_walking_their_index(store_engine) -> None:
    """`with_timezones` lists each timezone present once, sorted, without NULL (the recursive walk of
    ix_customers_timezone that replaced SELECT DISTINCT), and an empty store has none."""
    ctx = SqlContext(now=datetime(2026, 11, 23, 9, tzinfo=timezone.utc), activity_events=(), segments={},
                     default_timezone="UTC")
    zones = [None, "UTC", "Asia/Tokyo", None, "Asia/Tokyo", "America/New_York", "Pacific/Chatham", "Asia/Kolkata"]
    with store_engine.connect() as conn:
        assert ctx.with_timezones(conn).timezones == ()
        load_store(conn, [{"timezone": zone} for zone in zones])
        assert ctx.with_timezones(conn).timezones == (
            "America/New_York", "Asia/Kolkata", "Asia/Tokyo", "Pacific/Chatham", "UTC")
        conn.rollback()


@pytest.mark.parametrize(("lte", "indexed"), [(3, True), (31, True), (365, False)])
def test_recent_sign_ups_are_read_through_the_created_at_index(store_engine: Engine, lte: int,
                                                               indexed: bool) -> None:
    """`days_since created_at lte n` bounds created_at (earliest_instant), and ix_customers_created_at reads
    just that range: welcome's week of sign-ups instead of every customer. On SQLite, which has no range
    statistics, a window wider than INDEXED_WINDOW is tested in a scan instead (`+created_at`); PostgreSQL
    has both spellings' plans to choose from, so with scans priced out it takes the index for any window."""
    from engine.audience import count_query

    condition = parse_condition({"all": [{"days_since": {"field": "created_at", "lte": lte}},
                                         {"subscribed": True}]})
    with store_engine.connect() as connection:
        load_store(connection, [{"created_at": NOW - timedelta(days=day), "timezone": "Asia/Tokyo"}
                                for day in range(0, 400, 7)])
        ctx = SqlContext(now=NOW, activity_events=(), segments={}).with_timezones(connection)
        statement = count_query(condition, ctx)
        query = statement.compile(store_engine, compile_kwargs={"literal_binds": True})
        if store_engine.dialect.name == "sqlite":
            plan = " ".join(row[-1] for row in connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {query}"))
            assert ("USING INDEX ix_customers_created_at" in plan) is indexed, plan
            assert ("SCAN customers" in plan) is not indexed, plan
        else:
            connection.exec_driver_sql("SET LOCAL enable_seqscan = off")
            plan = " ".join(row[0] for row in connection.exec_driver_sql(f"EXPLAIN {query}"))
            assert "ix_customers_created_at" in plan, plan
        assert connection.execute(statement).scalar_one() == len(range(0, lte + 1, 7))
        connection.rollback()
