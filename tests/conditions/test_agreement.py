"""Property test: for random condition trees over random customers and events, the SQL path (one audience
query) selects exactly the customers for whom the Python path says pass, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from tests.conditions.kit import ACTIVITY, Situation, load_store, python_verdicts, segments_from, sql_selection
from engine.conditions import KINDS, parse_condition

ZONES = [None, "UTC", "Europe/London", "America/New_York", "Asia/Kolkata", "Pacific/Chatham",
         "Australia/Lord_Howe", "Mars/Olympus_Mons"]
EVENT_NAMES = ["login", "purchase", "referral_sent"]
SEGMENTS = {
    "paying": {"attribute": {"name": "plan", "in": ["pro", "team"]}},
    "vip": {"any": [{"attribute": {"name": "tags", "contains": "vip"}}, {"segment": "paying"}]},
}


def instants(start: int, end: int) -> st.SearchStrategy[datetime]:
    # Whole seconds, with a bias towards local midnights and DST changes through the hours/minutes drawn.
    return st.datetimes(min_value=datetime(start, 1, 1), max_value=datetime(end, 12, 31)).map(
        lambda value: value.replace(microsecond=0, tzinfo=timezone.utc)
    )


scalars = st.one_of(
    st.sampled_from(["pro", "free", "team", "basic", "Zed", "école", "vip", ""]),
    st.integers(-3, 1000),
    st.sampled_from([0.5, 2.5, 100.0]),
    st.booleans(),
)
dates = st.dates(min_value=datetime(1960, 1, 1).date(), max_value=datetime(2030, 12, 31).date()).map(str)
attribute_values = st.one_of(st.none(), scalars, dates, st.lists(scalars, max_size=3), st.just("not a date"))


def comparisons(values: st.SearchStrategy[Any]) -> st.SearchStrategy[dict[str, Any]]:
    return st.one_of(
        st.tuples(st.sampled_from(["eq", "ne", "lt", "lte", "gt", "gte", "contains"]), values),
        st.tuples(st.sampled_from(["in", "not_in"]), st.lists(values, min_size=1, max_size=3)),
        st.tuples(st.just("between"), st.tuples(values, values).map(list)),
        st.tuples(st.just("exists"), st.booleans()),
    ).map(lambda pair: {pair[0]: pair[1]})


day_numbers = st.one_of(st.integers(-40, 800), st.sampled_from([1.5, 0.5]))
LEAVES: dict[str, st.SearchStrategy[dict[str, Any]]] = {
    "attribute": st.builds(
        lambda name, cmp: {"attribute": {"name": name, **cmp}},
        st.sampled_from(["plan", "seats", "tags", "birthday", "email", "locale", "created_at", "subscribed"]),
        comparisons(st.one_of(scalars, dates)),
    ),
    "event": st.builds(
        lambda name, within, since, count, where: {"event": {"name": name, **within, **since, **count, **where}},
        st.sampled_from(EVENT_NAMES),
        st.sampled_from([{}, {"within": "1d"}, {"within": "30d"}, {"within": "400d"}]),
        st.sampled_from([{}, {"since": "enrolled"}]),
        st.one_of(st.just({}), comparisons(st.integers(0, 3)).map(lambda c: {"count": c})),
        st.one_of(st.just({}), comparisons(scalars).map(lambda c: {"where": [{"name": "amount", **c}]})),
    ),
    "inactive": st.sampled_from(["1d", "30d", "90d", "180d", "400d"]).map(lambda d: {"inactive": {"for": d}}),
    "days_since": st.builds(
        lambda field, cmp: {"days_since": {"field": field, **cmp}},
        st.sampled_from(["created_at", "last_active_at", "birthday"]), comparisons(day_numbers),
    ),
    "anniversary": st.builds(
        lambda field, within, years: {"anniversary": {"field": field, **within, "min_years": years}},
        st.sampled_from(["created_at", "last_active_at", "birthday"]),
        st.sampled_from([{}, {"within": "1d"}, {"within": "7d"}, {"within": "45d"}]), st.integers(0, 2),
    ),
    "subscribed": st.booleans().map(lambda value: {"subscribed": value}),
    "segment": st.sampled_from(["paying", "vip"]).map(lambda name: {"segment": name}),
}
leaves = st.one_of(*LEAVES.values())
trees = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3).map(lambda items: {"all": items}),
        st.lists(children, max_size=3).map(lambda items: {"any": items}),
        children.map(lambda item: {"not": item}),
    ),
    max_leaves=6,
)
events = st.builds(
    lambda name, at, amount: {"name": name, "at": at, "properties": {} if amount is None else {"amount": amount}},
    st.sampled_from(EVENT_NAMES), instants(2024, 2027), st.one_of(st.none(), scalars),
)


@st.composite
def customers(draw: st.DrawFn) -> dict[str, Any]:
    history = draw(st.lists(events, max_size=5))
    activity = [e["at"] for e in history if e["name"] in ACTIVITY]
    keys = draw(st.dictionaries(st.sampled_from(["plan", "seats", "tags", "birthday"]), attribute_values))
    return {
        "timezone": draw(st.sampled_from(ZONES)),
        "created_at": draw(instants(2019, 2026)),
        "subscribed": draw(st.booleans()),
        "locale": draw(st.sampled_from([None, "de-DE", "en"])),
        "attributes": keys,
        "last_active_at": max(activity) if activity else None,  # what import maintains
        "events": history,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow, HealthCheck.data_too_large])
@given(
    tree=trees,
    people=st.lists(customers(), min_size=1, max_size=6),
    now=instants(2025, 2026),
    enrolled_at=st.one_of(st.none(), instants(2025, 2026)),
    default_timezone=st.sampled_from(["UTC", "Europe/Berlin"]),
)
def test_sql_and_python_select_the_same_customers(
    store_engine: Engine, tree: dict[str, Any], people: list[dict[str, Any]], now: datetime,
    enrolled_at: datetime | None, default_timezone: str,
) -> None:
    with store_engine.begin() as connection:
        load_store(connection, people)
    condition = parse_condition(tree)
    situation = Situation(now=now, segments=segments_from(SEGMENTS), default_timezone=default_timezone,
                          enrolled_at=enrolled_at)
    verdicts = python_verdicts(store_engine, condition, situation)
    by_python = {external_id for external_id, verdict in verdicts.items() if verdict.passed}
    assert sql_selection(store_engine, condition, situation) == by_python, {
        key: verdict.description for key, verdict in verdicts.items()
    }


def test_strategy_covers_every_kind() -> None:
    """Guards the property test itself: a new condition kind must get a leaf strategy."""
    assert set(LEAVES) | {"all", "any", "not"} == set(KINDS)
