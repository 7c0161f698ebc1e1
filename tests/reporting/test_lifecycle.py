"""Lifecycle stages now and at month ends, retention, cohorts and lifetime value on a hand-made store."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timezone
from pathlib import Path

import pytest

from engine.conditions import parse_condition
from engine.config.model import Config, LifecycleStage
from engine.reporting import build_report
from engine.reporting.lifecycle import month_starts
from tests.reporting.kit import Ledger, project, t

NOW = datetime(2026, 11, 20, tzinfo=timezone.utc)
STAGES = (
    ("new", {"days_since": {"field": "created_at", "lt": 14}}),
    ("active", {"not": {"inactive": {"for": "30d"}}}),
    ("at-risk", {"not": {"inactive": {"for": "90d"}}}),
    ("lapsed", {"not": {"inactive": {"for": "180d"}}}),
    ("churned", {"inactive": {"for": "180d"}}),
)


def config() -> Config:
    return replace(Config(root=Path(".")),
                   lifecycle=tuple(LifecycleStage(sid, parse_condition(c)) for sid, c in STAGES))


@pytest.fixture
def ledger(store_engine) -> Ledger:
    """n1 signed up 11-15 (login and a 10.00 purchase on 11-16); a1 logins 09-15, 10-20, 11-10 and a 40.00
    purchase on 11-10; r1 logins 09-01 and 10-05; l1 a login on 07-01; ch1 (signed up 2025) never active."""
    led = Ledger(store_engine)
    activity = {"n1": ("2026-11-15 00:00", ["2026-11-16 00:00"]),
                "a1": ("2026-01-01 00:00", ["2026-09-15 00:00", "2026-10-20 00:00", "2026-11-10 00:00"]),
                "r1": ("2026-01-01 00:00", ["2026-09-01 00:00", "2026-10-05 00:00"]),
                "l1": ("2026-01-01 00:00", ["2026-07-01 00:00"]),
                "ch1": ("2025-01-01 00:00", [])}
    for name, (created, logins) in activity.items():
        led.customer(name, created=created, last_active_at=t(logins[-1]) if logins else None)
        for when in logins:
            led.event(name, "login", when)
    led.event("a1", "purchase", "2026-11-10 00:00", amount=40)
    led.event("n1", "purchase", "2026-11-16 00:00", amount=10)
    led.event("a1", "refund", "2026-11-12 00:00", amount=5)  # not a revenue event
    return led


def lifecycle(ledger: Ledger):
    with ledger.engine.connect() as conn:
        return build_report(conn, project(config=config()), [], now=NOW,
                            since=datetime(2026, 10, 1, tzinfo=timezone.utc)).lifecycle


def test_stages_now_and_at_each_month_end(ledger: Ledger) -> None:
    result = lifecycle(ledger)
    assert result.stages == ["new", "active", "at-risk", "lapsed", "churned", "other"]
    now = {s.stage: s.customers for s in result.now}
    assert now == {"new": 1, "active": 1, "at-risk": 1, "lapsed": 1, "churned": 1, "other": 0}
    # end of October (2026-11-01 00:00): n1 not signed up yet, a1 and r1 active then, l1 lapsed, ch1 churned
    october = {s.stage: s.customers for s in result.monthly if s.month == "2026-10"}
    assert october == {"new": 0, "active": 2, "at-risk": 0, "lapsed": 1, "churned": 1, "other": 0}
    assert {s.month for s in result.monthly} == {"2026-10"}


def test_monthly_retention_and_churn(ledger: Ledger) -> None:
    points = {p.month: p for p in lifecycle(ledger).retention}
    assert set(points) == {"2026-10", "2026-11"}
    october, november = points["2026-10"], points["2026-11"]
    assert (october.active, october.previous_active, october.retained, october.retention) == (2, 2, 2, 1.0)
    assert (november.active, november.previous_active, november.retained) == (2, 2, 1)  # a1 kept; n1 is new
    assert (november.retention, november.churn) == (0.5, 0.5)
    assert (october.partial, november.partial) == (False, True)  # November is the month of `now`


def test_cohorts_and_lifetime_value(ledger: Ledger) -> None:
    result = lifecycle(ledger)
    assert [(c.cohort, c.age_months, c.active, c.size, c.share) for c in result.cohorts] == [
        ("2026-11", 0, 1, 1, 1.0)]
    value = {v.cohort: (v.customers, v.revenue, v.clv) for v in result.value}
    # signups before the report's first month (October) are one row: ch1 (2025) and a1, r1, l1 (January)
    assert value == {"before 2026-10": (4, 40.0, 10.0), "2026-11": (1, 10.0, 10.0)}


def test_month_starts_are_the_month_end_snapshots() -> None:
    first, last = datetime(2025, 11, 3, tzinfo=timezone.utc), datetime(2026, 2, 1, tzinfo=timezone.utc)
    assert [m.strftime("%Y-%m-%d") for m in month_starts(first, last)] == ["2025-12-01", "2026-01-01", "2026-02-01"]


def test_no_stages_configured_still_reports_retention(ledger: Ledger) -> None:
    with ledger.engine.connect() as conn:
        result = build_report(conn, project(), [], now=NOW).lifecycle
    assert (result.stages, result.now, result.monthly) == ([], [], [])
    assert [p.month for p in result.retention][-1] == "2026-11"
