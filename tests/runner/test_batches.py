"""The tick decides due enrolments a page of ids and a batch at a time (engine/runner/advance.py): across page
and batch boundaries every due enrolment is decided exactly once, enrolments that move alike are written
together and those that do not keep their own position, and an email already in the ledger is not queued
again. Tiny pages and batches, so a handful of customers cross every boundary; both dialects."""

from __future__ import annotations

from sqlalchemy import update

from engine.runner import advance
from engine.store.models import Enrollment
from tests.runner.kit import at, campaign_doc

NOW = at("2026-11-23T10:00:00Z")


def _campaign(kit) -> None:
    kit.use(campaign_doc("paged", [
        {"id": "hello", "template": "t/hello"},
        {"id": "again", "template": "t/again", "when": {"attribute": {"name": "plan", "eq": "pro"}}},
        {"id": "later", "template": "t/later", "wait": "3d"},
    ]))
    kit.customers(*({"external_id": f"c{i:02d}", **({"attributes": {"plan": "pro"}} if i % 3 == 0 else {})}
                    for i in range(11)))


def test_every_due_enrolment_is_decided_once_across_pages_and_batches(kit, monkeypatch) -> None:
    monkeypatch.setattr(advance, "DUE_PAGE", 4)
    _campaign(kit)
    summary = kit.run(NOW, batch_size=3)
    counts = summary.campaigns["paged"].counts
    assert counts["hello"]["queued"] == 11
    assert counts["again"]["queued"] == 4 and counts["again"]["skipped_condition"] == 7
    sent = sorted((d.external_id, d.step_id) for d in kit.deliveries("paged"))
    assert sent == sorted([(f"c{i:02d}", "hello") for i in range(11)]
                          + [(f"c{i:02d}", "again") for i in range(0, 11, 3)])
    assert {(e.next_step_id, e.next_due_at, e.last_step_at) for e in kit.enrollments("paged")} == {
        ("later", at("2026-11-26T10:00:00Z").replace(tzinfo=None), NOW.replace(tzinfo=None))}


def test_a_step_already_in_the_ledger_is_not_queued_again(kit, monkeypatch) -> None:
    monkeypatch.setattr(advance, "DUE_PAGE", 4)
    _campaign(kit)
    kit.run(NOW, batch_size=3)
    with kit.engine.begin() as conn:  # as if the enrolments had never moved past their first step
        conn.execute(update(Enrollment).where(Enrollment.customer_id % 2 == 0)
                     .values(next_step=0, next_step_id="hello", next_due_at=NOW.replace(tzinfo=None)))
    again = kit.run(NOW, batch_size=3).campaigns["paged"].counts
    assert not any(counter["queued"] for counter in again.values())  # the ledger holds every one
    assert len(kit.deliveries("paged")) == 11 + 4
    assert len(kit.decisions("queued")) == 11 + 4  # and no second `queued` decision was written
