"""The shipped winback-90 campaign (rules/reactivation/winback-90.yaml, real templates, the project's caps)
over two weeks of simulated ticks: send window per timezone, the $20 offer 3 days later, conversion on a
purchase, exit on a login, and customers outside the 90-180 day lapse never entering."""

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

from engine.project import load_project
from engine.scheduling.hashing import in_holdout
from tests.runner.kit import at

ROOT = Path(__file__).resolve().parents[3]
START = at("2026-11-23T00:00:00Z")  # a Monday


def test_winback_over_two_weeks(kit):
    project = load_project(ROOT / "rekindle.yaml")
    kit.project = replace(project, campaigns=tuple(c for c in project.campaigns if c.id == "winback-90"))
    lapsed = START - timedelta(days=100)
    kit.customers(
        {"external_id": "ann-berlin", "first_name": "Ann", "timezone": "Europe/Berlin", "last_active_at": lapsed},
        {"external_id": "bob-newyork", "first_name": "Bob", "timezone": "America/New_York", "last_active_at": lapsed},
        {"external_id": "eve-utc", "first_name": "Eve", "timezone": "UTC", "last_active_at": lapsed},
        {"external_id": "dan", "timezone": "UTC", "last_active_at": START - timedelta(days=10)},  # active
        {"external_id": "old", "timezone": "UTC", "last_active_at": START - timedelta(days=200)},  # lapsed too long
    )
    assert not any(in_holdout("winback-90", c, 0.1) for c in ("ann-berlin", "bob-newyork", "eve-utc"))
    for customer in ("ann-berlin", "bob-newyork", "eve-utc"):  # their last activity, 100 days ago
        kit.event(customer, "login", lapsed)
    kit.event("ann-berlin", "purchase", "2026-11-27T12:00:00Z", amount=49)
    kit.event("eve-utc", "login", "2026-11-24T12:00:00Z")
    for day in range(14):  # two ticks a day: 10:00 and 15:00 UTC
        for hour in (10, 15):
            kit.run(START + timedelta(days=day, hours=hour))
    sent = [(d.external_id, d.step_id, d.queued_at.isoformat(), d.subject) for d in kit.deliveries()]
    assert sent == [
        ("ann-berlin", "miss-you", "2026-11-23T10:00:00", "It's been a while, Ann"),
        ("eve-utc", "miss-you", "2026-11-23T10:00:00", "It's been a while, Eve"),
        ("bob-newyork", "miss-you", "2026-11-23T15:00:00", "It's been a while, Bob"),  # 10:00 in New York
        ("ann-berlin", "offer", "2026-11-26T10:00:00", "$20 off your next month, Ann"),
        ("bob-newyork", "offer", "2026-11-26T15:00:00", "$20 off your next month, Bob"),
        ("bob-newyork", "last-call", "2026-12-03T15:00:00", "Should I stop writing, Bob?"),
    ]
    ended = {r.external_id: (r.status, r.end_reason, r.ended_at.isoformat()) for r in kit.enrollments()}
    assert ended == {
        "ann-berlin": ("converted", "goal", "2026-11-27T15:00:00"),
        "eve-utc": ("exited", "exit_condition", "2026-11-24T15:00:00"),
        "bob-newyork": ("completed", "completed", "2026-12-03T15:00:00"),
    }
    deferred = [(d.external_id, d.details["until"]) for d in kit.decisions("deferred_window")]
    assert deferred == [("bob-newyork", "2026-11-23T14:00:00Z")]
    versions = {d.campaign_version for d in kit.decisions()}
    assert versions == {kit.project.campaigns[0].version}

