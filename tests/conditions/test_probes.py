"""Which shape each "at least n events" count takes on PostgreSQL (engine.conditions.event.plan_probes): the
SQL-vs-Python agreement tests prove the shapes select the same customers; these pin down which is chosen."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy.dialects import postgresql, sqlite

from engine.conditions import parse_condition
from engine.conditions.segment import Segment
from engine.conditions.sql import SqlContext

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
LOGINS = {"event": {"name": "login", "within": "30d", "count": {"gte": 15}}}
PROJECTS = {"event": {"name": "project_created", "within": "30d", "count": {"gte": 3}}}
HEAVY = {"heavy": Segment(id="heavy", condition=parse_condition({"all": [LOGINS, PROJECTS]}))}
SHARES = {"login": 0.6, "project_created": 0.15, "purchase": 0.1}


def compiled(tree: dict, dialect=postgresql.dialect(), **context) -> str:
    ctx = SqlContext(now=NOW, activity_events=("login",), segments=HEAVY, timezones=("UTC",), **context)
    return str(parse_condition(tree).to_sql(ctx).compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def test_the_count_with_fewer_expected_events_drives_and_the_other_is_probed() -> None:
    sql = compiled({"all": [{"segment": "heavy"}, {"subscribed": True}]}, event_shares=SHARES)
    assert sql.count("OFFSET") == 1 and "OFFSET 14" in sql  # logins (60% of events) are probed
    assert sql.count("HAVING") == 1 and "HAVING count(*) >= 3" in sql  # projects (15%) are counted once


def test_without_statistics_the_shorter_window_drives() -> None:
    sql = compiled({"all": [LOGINS, {"event": {"name": "purchase", "within": "7d", "count": {"gt": 1}}}]})
    assert "OFFSET 14" in sql and "HAVING count(*) > 1" in sql


def test_a_narrowing_conjunct_turns_every_count_into_a_probe() -> None:
    sql = compiled({"all": [{"days_since": {"field": "created_at", "between": [30, 45]}}, {"segment": "heavy"}]},
                   event_shares=SHARES)
    assert "HAVING" not in sql and "OFFSET 14" in sql and "OFFSET 2" in sql


def test_a_wide_days_since_window_does_not_narrow() -> None:
    sql = compiled({"all": [{"days_since": {"field": "created_at", "gte": 30}}, LOGINS]})
    assert "OFFSET" not in sql and "HAVING" in sql


def test_a_count_alone_stays_grouped() -> None:
    assert "OFFSET" not in compiled(LOGINS) and "OFFSET" not in compiled({"all": [LOGINS, {"subscribed": True}]})


def test_sqlite_always_reads_the_counts_in_one_grouped_pass() -> None:
    sql = compiled({"all": [{"anniversary": {"field": "created_at"}}, {"segment": "heavy"}]}, dialect=sqlite.dialect(),
                   event_shares=SHARES)
    assert "OFFSET" not in sql and sql.count("HAVING") == 2
