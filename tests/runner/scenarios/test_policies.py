"""Cross-campaign policies over simulated time: frequency caps, send windows, the per-run limit, suppression."""

from datetime import timedelta

import pytest
from sqlalchemy import insert, update

from engine.store.models import Delivery, Suppression
from tests.runner.kit import at, campaign_doc

MONDAY = "2026-11-23T10:00:00Z"
OFFICE_HOURS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "18:00"}


def test_frequency_cap_across_campaigns_delays_instead_of_dropping(kit):
    two = [{"id": "a", "template": "t/a"}, {"id": "b", "template": "t/b", "wait": "1d"}]
    kit.use(campaign_doc("first", two, priority=10), campaign_doc("second", two, priority=5),
            caps=((2, "7d"),))
    kit.customers({"external_id": "ann"})
    kit.every(MONDAY, 16)
    # Day 0: first/a and second/a (2 in 7 days). first/b and second/b wait for the cap to release:
    # exactly 7 days after the emails that filled it.
    assert kit.sent() == [("ann", "a", "2026-11-23"), ("ann", "a", "2026-11-23"),
                          ("ann", "b", "2026-11-30"), ("ann", "b", "2026-11-30")]
    capped = kit.decisions("capped")
    assert [(d.campaign_id, d.step_id, d.decided_at.date().isoformat()) for d in capped] == [
        ("first", "b", "2026-11-24"), ("second", "b", "2026-11-24")]
    assert capped[0].details == {"until": "2026-11-30T10:00:00Z"}
    assert capped[0].reason == "frequency cap reached (2 per 1w); due again 2026-11-30T10:00:00Z"


@pytest.mark.parametrize("status, counted", [("sent", True), ("queued", True), ("failed", False),
                                             ("suppressed", False), ("cancelled", False)])
def test_only_emails_that_may_reach_the_customer_count_toward_a_cap(kit, status, counted):
    kit.use(campaign_doc("first", priority=10), campaign_doc("second", priority=5), caps=((1, "7d"),))
    kit.customers({"external_id": "ann"})
    kit.run(MONDAY, campaigns=("first",))
    assert kit.sent() == [("ann", "one", "2026-11-23")]  # with the cap at 1, nothing more this week ...
    with kit.engine.begin() as conn:
        conn.execute(update(Delivery).values(status=status))
    kit.run(at(MONDAY) + timedelta(hours=1))  # ... unless that email never reached her
    assert [d.campaign_id for d in kit.deliveries()] == (["first"] if counted else ["first", "second"])


def test_send_window_in_each_customers_timezone(kit):
    kit.use(campaign_doc("office", [{"id": "a", "template": "t/a"}], send_window=OFFICE_HOURS))
    kit.customers({"external_id": "berlin", "timezone": "Europe/Berlin"},
                  {"external_id": "tokyo", "timezone": "Asia/Tokyo"},
                  {"external_id": "newyork", "timezone": "America/New_York"},
                  {"external_id": "nozone", "timezone": None})
    start = at("2026-11-23T00:00:00Z")
    for hour in range(0, 48):  # hourly ticks over Monday and Tuesday (UTC)
        kit.run(start + timedelta(hours=hour))
    sent = {d.external_id: d.queued_at.isoformat() for d in kit.deliveries()}
    assert sent == {
        "tokyo": "2026-11-23T00:00:00",  # 09:00 Monday in Tokyo
        "berlin": "2026-11-23T08:00:00",  # 09:00 in Berlin (UTC+1)
        "nozone": "2026-11-23T09:00:00",  # project default timezone: UTC
        "newyork": "2026-11-23T14:00:00",  # 09:00 in New York (UTC-5)
    }
    deferred = {d.external_id: d.details["until"] for d in kit.decisions("deferred_window")}
    assert deferred == {"berlin": "2026-11-23T08:00:00Z", "newyork": "2026-11-23T14:00:00Z",
                        "nozone": "2026-11-23T09:00:00Z"}


def test_send_window_across_a_dst_change(kit):
    kit.use(campaign_doc("office", [{"id": "a", "template": "t/a"}, {"id": "b", "template": "t/b", "wait": "1d"}],
                         send_window=OFFICE_HOURS))
    kit.customers({"external_id": "berlin", "timezone": "Europe/Berlin"})
    # Friday 2026-10-23 17:00 Berlin (summer time, UTC+2): step a goes out; b is due Saturday and waits for
    # Monday 09:00 Berlin, which after the change to winter time on Sunday is 08:00 UTC, not 07:00.
    start = at("2026-10-23T15:00:00Z")
    for hour in range(0, 72):
        kit.run(start + timedelta(hours=hour))
    assert [d.queued_at.isoformat() for d in kit.deliveries()] == ["2026-10-23T15:00:00", "2026-10-26T08:00:00"]
    assert [d.details["until"] for d in kit.decisions("deferred_window")] == ["2026-10-26T08:00:00Z"]


def test_per_run_limit_spends_on_higher_priority_first_and_resumes_next_run(kit):
    kit.use(campaign_doc("high", [{"id": "a", "template": "t/a"}], priority=9),
            campaign_doc("low", [{"id": "a", "template": "t/a"}], priority=1))
    kit.customers(*({"external_id": f"c{i}"} for i in range(5)))
    first = kit.run(MONDAY, limit=7)
    assert first.limit_reached
    assert (first.campaigns["high"].total("queued"), first.campaigns["low"].total("queued")) == (5, 2)
    second = kit.run(MONDAY, limit=7)
    assert second.total("queued") == 3 and not second.limit_reached
    assert len(kit.deliveries()) == 10


def test_suppressed_and_unsubscribed_are_never_mailed(kit):
    kit.use(campaign_doc("all", [{"id": "a", "template": "t/a"}], audience={"attribute": {"name": "email",
                                                                                          "exists": True}}))
    kit.customers({"external_id": "ann"}, {"external_id": "bob", "email": "Bob@Example.com"},
                  {"external_id": "cat", "subscribed": False})
    with kit.engine.begin() as conn:
        conn.execute(insert(Suppression.__table__),
                     {"email": "bob@example.com", "reason": "bounce", "created_at": at(MONDAY).replace(tzinfo=None)})
    kit.run(MONDAY)
    assert kit.sent() == [("ann", "a", "2026-11-23")]
    assert sorted(d.external_id for d in kit.decisions("suppressed")) == ["bob", "cat"]
    assert {r.external_id: r.end_reason for r in kit.enrollments()} == {
        "ann": "completed", "bob": "suppressed", "cat": "suppressed"}
