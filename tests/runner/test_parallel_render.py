"""Rendering a tick's emails in a crew of worker processes (engine/runner/parallel.py) writes what rendering
in process writes: the same deliveries with the same bytes and Message-IDs, the same decisions and counts for
an email that cannot be rendered."""

from __future__ import annotations

from types import SimpleNamespace

from sqlalchemy import select
from sqlalchemy.orm import Session

from engine.runner.options import RunOptions
from engine.runner.parallel import Crew
from engine.runner.render import compose_renderer, message_id
from engine.runner.tick import run_tick
from engine.scheduling.hashing import choose_variant
from engine.store.models import Customer, Delivery, Enrollment
from tests.runner.kit import at, campaign_doc

NOW = at("2026-11-23T09:00:00Z")
FRAGILE = ("{% block subject %}Hi {{ customer.first_name }}{% endblock %}"
           "<p>Your plan: {{ customer.attributes.plan }}</p>")


def _setup(kit) -> None:
    kit.use(campaign_doc("two-step", [
        {"id": "hello", "template": "t/hello",
         "variants": [{"id": "a", "weight": 1}, {"id": "b", "weight": 1, "subject": "B for {{ customer.first_name }}"}]},
        {"id": "plan", "template": "t/plan"},
    ]))
    (kit.root / "templates" / "t" / "plan.html").write_text(FRAGILE)  # fails for a customer without a plan
    kit.customers(*({"external_id": f"c{i:03d}", **({"attributes": {"plan": "pro"}} if i % 7 else {})}
                    for i in range(90)))


def _run(kit, workers: int):
    with kit.engine.connect() as conn, Crew(kit.engine, kit.project, None, workers, min_jobs=1) as crew:
        summary = run_tick(conn, kit.project, RunOptions(now=NOW), commit=None, crew=crew)
        assert crew.pending == 90 + 90 - 13 + 13  # the crew was told of every email decided: it started
    return summary


def test_workers_write_the_bytes_rendering_in_process_writes(kit) -> None:
    _setup(kit)
    _run(kit, workers=3)
    inline = compose_renderer(kit.project, NOW)
    campaign = kit.campaign("two-step")
    with Session(kit.engine) as session:  # one session for every read, closed at the end (PostgreSQL: no open
        # transaction may outlive the test, or dropping its schema waits forever)
        rows = session.execute(select(Delivery, Customer).join(Customer, Customer.id == Delivery.customer_id)
                               .order_by(Delivery.id)).all()
        assert len(rows) == 90 + 90 - 13  # everyone's first email; the second for the 77 with a plan
        for delivery, customer in rows:
            step = campaign.step(delivery.step_id)
            variant = choose_variant(step.variants, campaign.id, step.id, customer.external_id)
            assert delivery.variant == (variant.id if variant else None)
            record = SimpleNamespace(id=customer.id, **{name: getattr(customer, name) for name in (
                "external_id", "email", "first_name", "last_name", "locale", "timezone", "created_at", "subscribed",
                "attributes", "last_active_at")})
            expected = inline(campaign, step, record, variant, delivery.message_id)
            assert delivery.message == expected.message
            enrolment = session.get(Enrollment, delivery.enrollment_id)
            assert delivery.message_id == message_id(delivery.enrollment_id, step.id,
                                                     kit.project.config.sender.from_address,
                                                     campaign_id=campaign.id, customer=customer.external_id,
                                                     enrolled_at=enrolment.enrolled_at)


def test_a_failed_render_in_a_worker_is_recorded_like_one_in_process(kit) -> None:
    _setup(kit)
    summary = _run(kit, workers=3)
    assert summary.campaigns["two-step"].counts["plan"]["render_failed"] == 13
    assert summary.campaigns["two-step"].counts["plan"]["queued"] == 77
    assert summary.status == "partial" and len(summary.failures) == 13
    failed = kit.decisions("render_failed")
    assert sorted(d.external_id for d in failed) == [f"c{i:03d}" for i in range(0, 90, 7)]
    assert all(d.step_id == "plan" and "templates/t/plan.html:1" in d.reason and "plan" in d.reason
               for d in failed)
    stuck = [e for e in kit.enrollments() if e.external_id == "c007"]
    assert [(e.status, e.next_step_id) for e in stuck] == [("active", "plan")]


def test_the_crew_starts_when_enough_enrolments_are_due_before_the_first_is_decided(kit) -> None:
    """The members start when the tick has counted the due enrolments, so their start-up overlaps the first
    batch; fewer than `min_jobs` due start none."""
    _setup(kit)
    seen: list[tuple[int, int, int]] = []

    class WatchedCrew(Crew):
        def expect(self, due: int) -> None:
            super().expect(due)
            seen.append((due, self.pending, len(self.members)))

    with kit.engine.connect() as conn, WatchedCrew(kit.engine, kit.project, None, 2, min_jobs=64) as crew:
        run_tick(conn, kit.project, RunOptions(now=NOW), commit=None, crew=crew)
    assert seen[0] == (90, 0, 1)  # 90 due, none decided yet, one member started
    small = Crew(kit.engine, kit.project, None, 2, min_jobs=64)
    small.expect(63)
    assert small.members == []
