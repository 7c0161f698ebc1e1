"""When an audience reads only the customers a narrow event condition names, by primary key, on PostgreSQL
(engine.conditions.event.plan_lookup): which conjunct is chosen, from statistics, and that the shape selects
the same customers as the Python path on both stores (the SQLite spelling is unchanged)."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql

from engine.audience import audience_query
from engine.audience.query import audience_where
from engine.conditions import parse_condition
from engine.conditions.sql import SqlContext, customers
from tests.conditions.kit import Situation, load_store, python_verdicts, segments_from

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)
ONBOARDED = {"event": {"name": "onboarding_completed", "within": "7d"}}
LOGINS = {"event": {"name": "login", "within": "30d", "count": {"gte": 2}}}
SHARES = {"login": 0.6, "purchase": 0.1, "onboarding_completed": 0.03}
# Events spread evenly over ten years, 10M of them, 1M customers: a week holds about 19k events.
STATISTICS: dict[str, Any] = {"event_shares": SHARES, "event_rows": 10_000_000.0, "customer_rows": 1_000_000.0,
                              "event_times": (datetime(2017, 1, 1), datetime(2027, 1, 1))}
SEGMENTS = segments_from({"onboarded": {"all": [ONBOARDED, {"subscribed": True}]}})


def where(tree: dict[str, Any], **statistics: Any) -> str:
    ctx = SqlContext(now=NOW, activity_events=("login",), segments=SEGMENTS, timezones=("UTC",), **statistics)
    expression = audience_where(parse_condition(tree), ctx)
    return str(expression.compile(dialect=postgresql.dialect(), compile_kwargs={"literal_binds": True}))


def test_a_narrow_event_condition_of_the_audience_is_looked_up() -> None:
    sql = where({"all": [ONBOARDED, {"subscribed": True}]}, **STATISTICS)
    assert "customers.id = ANY (array((SELECT events.customer_id" in sql and "EXISTS" not in sql


def test_through_a_segment_and_beside_a_count_which_is_then_probed() -> None:
    sql = where({"all": [{"segment": "onboarded"}, LOGINS]}, **STATISTICS)
    assert sql.count("ANY (array(") == 1 and "OFFSET 1" in sql and "HAVING" not in sql


def test_the_condition_with_fewer_expected_events_is_the_one_looked_up() -> None:
    sql = where({"all": [{"event": {"name": "login", "within": "1d"}}, ONBOARDED]}, **STATISTICS)
    assert sql.count("ANY (array(") == 1 and "'onboarding_completed'" in sql.split("ANY (array(")[1].split(")))")[0]


def test_not_under_not_or_any_nor_above_a_tenth_of_the_customers_nor_without_statistics() -> None:
    assert "ANY (array(" not in where({"not": ONBOARDED}, **STATISTICS)
    assert "ANY (array(" not in where({"any": [ONBOARDED, {"subscribed": False}]}, **STATISTICS)
    assert "ANY (array(" not in where({"event": {"name": "login", "within": "365d"}}, **STATISTICS)  # 600k events
    assert "ANY (array(" not in where(ONBOARDED, event_shares=SHARES)
    assert "ANY (array(" in where(ONBOARDED, **STATISTICS)


def test_events_between_reads_the_histogram() -> None:
    ctx = SqlContext(now=NOW, activity_events=(), segments={}, event_rows=300.0,
                     event_times=(datetime(2026, 1, 1), datetime(2026, 1, 2), datetime(2026, 1, 4)))
    assert ctx.events_between(None, datetime(2026, 2, 1)) == 300.0
    assert ctx.events_between(datetime(2026, 1, 1, 12), datetime(2026, 1, 3)) == 150.0  # half of each bucket
    assert SqlContext(now=NOW, activity_events=(), segments={}).events_between(None, datetime(2026, 2, 1)) is None


def test_the_looked_up_audience_selects_what_python_decides(store_engine: Engine) -> None:
    day = "2026-11-{:02d}T10:00:00Z".format
    people = [
        {"events": [{"name": "onboarding_completed", "at": day(20)}, {"name": "login", "at": day(21)},
                    {"name": "login", "at": day(22)}]},
        {"events": [{"name": "onboarding_completed", "at": day(20)}, {"name": "login", "at": day(21)}]},
        {"events": [{"name": "onboarding_completed", "at": day(10)}, {"name": "login", "at": day(21)},
                    {"name": "login", "at": day(22)}]},
        {"subscribed": False, "events": [{"name": "onboarding_completed", "at": day(21)},
                                         {"name": "login", "at": day(21)}, {"name": "login", "at": day(22)}]},
        {"events": [{"name": "onboarding_completed", "at": day(18)}, {"name": "onboarding_completed", "at": day(19)},
                    {"name": "login", "at": day(1)}, {"name": "login", "at": day(2)},
                    {"name": "login", "at": "2026-11-24T10:00:00Z"}]},
        {},
    ]
    with store_engine.begin() as connection:
        load_store(connection, people)
    condition = parse_condition({"all": [{"segment": "onboarded"}, LOGINS]})
    situation = Situation(now=NOW, segments=SEGMENTS)
    with store_engine.connect() as connection:
        ctx = replace(situation.sql_context(connection), **STATISTICS)
        query = audience_query(condition, ctx)
        if connection.dialect.name == "postgresql":
            assert "ANY (array(" in str(query.compile(connection))
        ids = select(customers.c.external_id).where(customers.c.id.in_(query))
        selected = set(connection.execute(ids).scalars())
    passed = {external_id for external_id, verdict in python_verdicts(store_engine, condition, situation).items()
              if verdict.passed}
    assert selected == passed == {"c1", "c5"}
