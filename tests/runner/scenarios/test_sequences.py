"""Sequences over simulated days: enrol, wait, skip, complete, exit on return, convert, re-enter."""

from tests.runner.kit import at, campaign_doc

MONDAY = "2026-11-23T10:00:00Z"
THREE_STEPS = [
    {"id": "hello", "template": "w/hello"},
    {"id": "tips", "template": "w/tips", "wait": "2d"},
    {"id": "pro-only", "template": "w/pro", "wait": "1d", "when": {"attribute": {"name": "plan", "eq": "pro"}}},
]


def steps_of(kit, customer):
    return [(d.decision, d.step_id) for d in kit.decisions() if d.external_id == customer]


def test_enrol_wait_skip_complete_and_never_twice(kit):
    kit.use(campaign_doc("welcome", THREE_STEPS))
    kit.customers({"external_id": "ann", "attributes": {"plan": "pro"}},
                  {"external_id": "bob", "attributes": {"plan": "free"}},
                  {"external_id": "cat", "subscribed": False})
    kit.every(MONDAY, 5)
    assert kit.sent() == [
        ("ann", "hello", "2026-11-23"), ("bob", "hello", "2026-11-23"),
        ("ann", "tips", "2026-11-25"), ("bob", "tips", "2026-11-25"),
        ("ann", "pro-only", "2026-11-26"),
    ]
    assert steps_of(kit, "bob") == [
        ("enrolled", None), ("queued", "hello"), ("queued", "tips"), ("skipped_condition", "pro-only"),
        ("completed", None),
    ]
    assert steps_of(kit, "cat") == []  # not in the audience
    # Running again, at any time, never sends anything twice and never re-enrols (re-entry: never).
    again = kit.run(MONDAY)
    assert kit.run("2026-12-20T10:00:00Z").total("queued") == again.total("queued") == 0
    assert len(kit.deliveries()) == 5


def test_exit_when_the_customer_comes_back(kit):
    kit.use(campaign_doc(
        "winback", THREE_STEPS[:2],
        audience={"all": [{"inactive": {"for": "90d"}}, {"subscribed": True}]},
        exit={"event": {"name": "login", "since": "enrolled"}},
    ))
    kit.customers({"external_id": "ann", "last_active_at": at("2026-08-01T00:00:00Z")},
                  {"external_id": "bob", "last_active_at": at("2026-08-01T00:00:00Z")},
                  {"external_id": "dan", "last_active_at": at("2026-11-01T00:00:00Z")})  # active recently
    kit.run(MONDAY)
    kit.event("ann", "login", "2026-11-24T12:00:00Z")
    kit.every("2026-11-24T10:00:00Z", 4)
    assert kit.sent() == [("ann", "hello", "2026-11-23"), ("bob", "hello", "2026-11-23"),
                          ("bob", "tips", "2026-11-25")]
    exited = kit.decisions("exited")
    assert [(d.external_id, d.decided_at.date().isoformat()) for d in exited] == [("ann", "2026-11-25")]
    assert exited[0].reason == "the campaign's exit condition is true"
    statuses = {r.external_id: (r.status, r.end_reason) for r in kit.enrollments()}
    assert statuses == {"ann": ("exited", "exit_condition"), "bob": ("completed", "completed")}


def test_goal_converts_within_its_window_and_ends_the_sequence(kit):
    kit.use(campaign_doc(
        "upsell", THREE_STEPS[:2],
        goal={"condition": {"event": {"name": "plan_changed", "since": "enrolled"}}, "within": "30d"},
    ))
    kit.customers({"external_id": "ann"}, {"external_id": "bob"})
    kit.run(MONDAY)
    kit.event("ann", "plan_changed", "2026-11-24T08:00:00Z")
    kit.event("bob", "plan_changed", "2026-11-20T08:00:00Z")  # before enrolment: not a conversion
    kit.run("2026-11-25T10:00:00Z")
    assert [(d.external_id, d.reason) for d in kit.decisions("converted")] == [
        ("ann", "goal reached within 30d of enrolment")]
    assert kit.sent() == [("ann", "hello", "2026-11-23"), ("bob", "hello", "2026-11-23"),
                          ("bob", "tips", "2026-11-25")]


def test_reentry_after_the_cooldown_only(kit):
    kit.use(campaign_doc("nudge", [{"id": "only", "template": "n/only"}],
                         reentry={"policy": "after", "cooldown": "10d"}),
            campaign_doc("once", [{"id": "only", "template": "o/only"}]))
    kit.customers({"external_id": "ann"})
    kit.every(MONDAY, 15)
    # Sequence ended on day 0; re-entry is allowed once 10 days have passed since it ended.
    assert kit.sent("nudge") == [("ann", "only", "2026-11-23"), ("ann", "only", "2026-12-03")]
    assert kit.sent("once") == [("ann", "only", "2026-11-23")]  # reentry: never
