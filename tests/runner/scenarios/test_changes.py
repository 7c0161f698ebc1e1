"""Editing live campaigns (on_change), the blast-radius guard and mutually exclusive groups."""

from tests.runner.kit import campaign_doc

A = {"id": "a", "template": "t/a"}
B = {"id": "b", "template": "t/b", "wait": "2d"}
C = {"id": "c", "template": "t/c", "wait": "2d"}


def test_on_change_continue_resumes_at_the_next_existing_step(kit):
    kit.use(campaign_doc("seq", [A, B, C]))
    kit.customers({"external_id": "ann"})
    kit.run("2026-11-23T10:00:00Z")
    old = kit.campaign("seq").version
    kit.use(campaign_doc("seq", [A, C], on_change="continue"))  # step b removed while ann waits for it
    kit.every("2026-11-24T10:00:00Z", 6)
    assert kit.sent() == [("ann", "a", "2026-11-23"), ("ann", "c", "2026-11-25")]
    changed = kit.decisions("version_changed")
    assert [(d.external_id, d.step_id, d.decided_at.date().isoformat()) for d in changed] == [
        ("ann", "b", "2026-11-24")]
    assert changed[0].reason == (f"on_change continue: campaign changed from version {old} to "
                                 f"{kit.campaign('seq').version}")
    assert {d.campaign_version for d in kit.decisions("queued")} == {old, kit.campaign("seq").version}


def test_on_change_restart_starts_again_from_step_one(kit):
    kit.use(campaign_doc("seq", [A, B]))
    kit.customers({"external_id": "ann"})
    kit.run("2026-11-23T10:00:00Z")
    kit.use(campaign_doc("seq", [A, {**B, "vars": {"discount_usd": 20}}], on_change="restart"))
    kit.every("2026-11-24T10:00:00Z", 4)
    assert kit.sent() == [("ann", "a", "2026-11-23"), ("ann", "a", "2026-11-24"), ("ann", "b", "2026-11-26")]
    assert [(r.status, r.end_reason) for r in kit.enrollments()] == [
        ("exited", "version_restart"), ("completed", "completed")]


def test_on_change_exit_ends_the_sequence(kit):
    kit.use(campaign_doc("seq", [A, B]))
    kit.customers({"external_id": "ann"})
    kit.run("2026-11-23T10:00:00Z")
    kit.use(campaign_doc("seq", [A, {**B, "wait": "3d"}], on_change="exit"))
    kit.every("2026-11-24T10:00:00Z", 5)
    assert kit.sent() == [("ann", "a", "2026-11-23")]
    assert [(r.status, r.end_reason) for r in kit.enrollments()] == [("exited", "version_changed")]


def test_max_audience_holds_the_campaign(kit):
    kit.use(campaign_doc("broad", [A], max_audience=3), campaign_doc("fine", [A], max_audience=10))
    kit.customers(*({"external_id": f"c{i}"} for i in range(5)))
    summary = kit.run("2026-11-23T10:00:00Z")
    assert summary.failed and summary.campaigns["broad"].status == "held_blast_radius"
    assert "would enrol 5 customers, more than its max_audience 3" in summary.campaigns["broad"].message
    assert kit.sent("broad") == [] and len(kit.sent("fine")) == 5
    held = kit.decisions("held_blast_radius")
    assert [(d.campaign_id, d.external_id, d.details) for d in held] == [
        ("broad", None, {"would_enrol": 5, "max_audience": 3})]


def test_group_gives_each_customer_only_the_highest_priority_campaign(kit):
    pro = {"attribute": {"name": "plan", "eq": "pro"}}
    kit.use(campaign_doc("premium", [A, {**B, "wait": "3d"}], group="g", priority=10, audience=pro),
            campaign_doc("basic", [A], group="g", priority=5),
            campaign_doc("other", [A]))  # not in the group: unaffected
    kit.customers({"external_id": "ann", "attributes": {"plan": "free"}},
                  {"external_id": "bob", "attributes": {"plan": "pro"}})
    kit.every("2026-11-23T10:00:00Z", 4)
    assert kit.sent("premium") == [("bob", "a", "2026-11-23"), ("bob", "b", "2026-11-26")]
    # bob qualifies for both, but only gets basic once no longer enrolled in premium.
    assert kit.sent("basic") == [("ann", "a", "2026-11-23"), ("bob", "a", "2026-11-26")]
    assert len(kit.sent("other")) == 2
