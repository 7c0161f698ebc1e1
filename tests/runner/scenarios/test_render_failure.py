"""An email that cannot be rendered for one customer: recorded, retried next run, the others still go out."""

from tests.runner.kit import campaign_doc

MONDAY = "2026-11-23T10:00:00Z"


def test_render_failure_is_recorded_and_the_step_stays_due(kit):
    kit.use(campaign_doc("c", [{"id": "a", "template": "t/a"}]))
    (kit.root / "templates" / "t" / "a.html").write_text(
        "{% block subject %}Hi{% endblock %}<p>{{ 100 // customer.attributes.seats }} per seat</p>")
    kit.customers({"external_id": "ann", "attributes": {"seats": 4}}, {"external_id": "bob", "attributes": {"seats": 0}})
    summary = kit.run(MONDAY)
    assert summary.failed and summary.campaigns["c"].counts["a"]["render_failed"] == 1
    assert kit.sent() == [("ann", "a", "2026-11-23")]
    failure = kit.decisions("render_failed")[0]
    assert failure.external_id == "bob"
    assert failure.reason == ("the email could not be rendered: templates/t/a.html:1: ZeroDivisionError: "
                              "integer division or modulo by zero")
    # Still due: the next run tries again (and fails again until the data or the template is fixed).
    assert kit.run("2026-11-23T11:00:00Z").campaigns["c"].counts["a"]["render_failed"] == 1
    assert {r.external_id: (r.status, r.next_step) for r in kit.enrollments()} == {
        "ann": ("completed", 1), "bob": ("active", 0)}
