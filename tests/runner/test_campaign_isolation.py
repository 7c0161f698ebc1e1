"""A database error that one campaign's SQL raises fails that campaign only: it is recorded against it (its
summary status and message, a `campaign_failed` decision, the run's kept failures) and every other campaign
goes on. The error is real: a trigger the test installs refuses that campaign's rows, on SQLite and on
PostgreSQL alike. Errors of the store as a whole still stop the tick."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select
from sqlalchemy.exc import DBAPIError

from engine.runner.options import RunOptions
from engine.runner.tick import run_tick
from engine.store.models import Decision, Delivery, Enrollment, Run
from tests.runner.kit import REFUSED, allow, at, campaign_doc, refuse

NOW = at("2026-11-23T10:00:00Z")


def three_campaigns(kit) -> None:
    """`first` runs before `broken`, `last` after it (priority order), each mailing everyone subscribed."""
    kit.use(campaign_doc("first", priority=3), campaign_doc("broken", priority=2), campaign_doc("last", priority=1))
    kit.customers({"external_id": "ann"}, {"external_id": "bob"})


def stored(engine: Engine):
    with engine.connect() as conn:
        deliveries = sorted(conn.execute(select(Delivery.campaign_id)).scalars())
        enrolments = sorted(conn.execute(select(Enrollment.campaign_id)).scalars())
        failed = conn.execute(select(Decision.reason, Decision.details, Decision.customer_id)
                              .where(Decision.decision == "campaign_failed")).all()
        runs = conn.execute(select(Run.status, Run.summary)).all()
    return deliveries, enrolments, failed, runs


MESSAGE = (f"campaign 'broken' failed: the database refused its SQL: {REFUSED}; what it had not committed was "
           "rolled back, the other campaigns went on, the next run tries it again")


def test_an_enrolment_the_database_refuses_fails_only_that_campaign(kit):
    three_campaigns(kit)
    refuse(kit.engine, "enrollments")
    summary = kit.run(NOW)

    assert summary.status == "partial" and summary.failed
    broken = summary.campaigns["broken"]
    assert (broken.status, broken.message) == ("failed", MESSAGE)
    assert broken.counts == {"": {"campaign_failed": 1}}
    assert [c.total("queued") for c in (summary.campaigns["first"], summary.campaigns["last"])] == [2, 2]
    assert [f.line() for f in summary.failures] == [f"campaign failed: broken: the database refused its SQL: {REFUSED}"]

    deliveries, enrolments, failed, runs = stored(kit.engine)
    assert deliveries == ["first", "first", "last", "last"]
    assert enrolments == ["first", "first", "last", "last"]
    assert failed == [(MESSAGE, {"error": REFUSED}, None)]
    ((status, document),) = runs
    assert status == "partial"
    assert document["campaigns"]["broken"]["status"] == "failed"
    assert document["campaigns"]["broken"]["message"] == MESSAGE
    assert document["failures"] == [{"kind": "campaign", "customer": "", "campaign": "broken", "step": "",
                                     "where": "", "reason": f"the database refused its SQL: {REFUSED}"}]


def test_a_step_batch_the_database_refuses_is_rolled_back_and_the_next_run_sends_it(kit):
    three_campaigns(kit)
    refuse(kit.engine, "deliveries")
    summary = kit.run(NOW)

    broken = summary.campaigns["broken"]
    assert broken.status == "failed"
    # The enrolments were committed before the step batch failed; the batch's queued decisions were taken back.
    assert broken.counts == {"": {"enrolled": 2, "campaign_failed": 1}}
    assert summary.total("queued") == 4
    deliveries, enrolments, _, _ = stored(kit.engine)
    assert deliveries == ["first", "first", "last", "last"]
    assert enrolments.count("broken") == 2

    allow(kit.engine, "deliveries")
    again = kit.run(at("2026-11-23T11:00:00Z"))
    assert again.status == "finished"
    assert again.campaigns["broken"].counts == {"one": {"queued": 2}, "": {"completed": 2}}
    assert stored(kit.engine)[0].count("broken") == 2


def test_a_rehearsal_rolls_the_failed_campaign_back_to_its_savepoint(kit):
    three_campaigns(kit)
    refuse(kit.engine, "deliveries")
    with kit.engine.connect() as conn:
        summary = run_tick(conn, kit.project, RunOptions(now=NOW, persist=False), commit=None)
        in_transaction = sorted(conn.execute(select(Enrollment.campaign_id)).scalars())
        conn.rollback()

    assert summary.campaigns["broken"].counts == {"": {"campaign_failed": 1}}
    assert summary.campaigns["broken"].message == MESSAGE
    assert summary.total("queued") == 4 and summary.status == "partial"
    assert in_transaction == ["first", "first", "last", "last"]  # broken's enrolments went with its savepoint
    assert stored(kit.engine)[:3] == ([], [], [])


def test_a_store_that_fails_as_a_whole_still_stops_the_tick(kit):
    if kit.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    three_campaigns(kit)
    refuse(kit.engine, "enrollments", body="PERFORM pg_terminate_backend(pg_backend_pid());")
    with pytest.raises(DBAPIError) as raised:
        kit.run(NOW)
    assert raised.value.connection_invalidated
    deliveries, enrolments, failed, runs = stored(kit.engine)
    assert (deliveries, failed) == (["first", "first"], [])  # what `first` committed stays; `last` never ran
    ((status, document),) = runs  # recorded on a new connection: the tick broke, no campaign is blamed
    assert status == "failed" and document["error"].startswith("OperationalError: ")
    assert document["campaigns"]["broken"]["status"] == "ran" and "last" not in document["campaigns"]
