"""Local dates in SQL equal Python's `astimezone` for every zone, including instants around DST changes,
and the SqlContext refuses to compile zone-dependent conditions without knowing the zones."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, select

from conditions.kit import load_store
from engine.conditions import parse_condition
from engine.conditions.dates import local_date, local_date_sql, offset_segments, resolve_zone
from engine.conditions.sql import SqlContext, TimezonesNotLoaded, customers

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
ZONES = ["Europe/London", "America/Sao_Paulo", "Pacific/Chatham", "Australia/Lord_Howe", "Asia/Kolkata",
         "America/Santiago", "UTC"]


@st.composite
def near_transitions(draw: st.DrawFn) -> datetime:
    """Instants within a day of a UTC offset change of one of ZONES (or anywhere since 1970)."""
    zone = draw(st.sampled_from(ZONES))
    changes = [start for start, _ in offset_segments(zone, NOW.year + 5)[1:]] or [datetime(2000, 1, 1)]
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
    london = dict(offset_segments("Europe/London", 2026))
    assert london[datetime(2026, 3, 29, 1, 0)] == 3600  # BST starts 01:00 UTC, last Sunday of March
    assert london[datetime(2026, 10, 25, 1, 0)] == 0
    assert offset_segments("Asia/Kolkata", 2026) == ((datetime(1970, 1, 1), 19800),)


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
