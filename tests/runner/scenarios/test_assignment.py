"""Holdout groups and variants: deterministic per customer, the configured share, never mailed if held out."""

from engine.scheduling.hashing import choose_variant, in_holdout
from tests.runner.kit import campaign_doc

MONDAY = "2026-11-23T10:00:00Z"


def test_holdout_share_and_control_group_never_mailed(kit):
    kit.use(campaign_doc("winback", [{"id": "a", "template": "t/a"}, {"id": "b", "template": "t/b", "wait": "1d"}],
                         holdout=0.1))
    kit.customers(*({"external_id": f"cust-{i:04d}"} for i in range(2000)))
    kit.every(MONDAY, 3)
    held = {d.external_id for d in kit.decisions("held_out")}
    assert 160 <= len(held) <= 240  # 10% of 2,000 within three standard deviations
    # The database assigned exactly the customers the Python hash picks: deterministic and reproducible.
    assert held == {f"cust-{i:04d}" for i in range(2000) if in_holdout("winback", f"cust-{i:04d}", 0.1)}
    mailed = {d.external_id for d in kit.deliveries()}
    assert not mailed & held and len(mailed) == 2000 - len(held)
    assert len(kit.deliveries()) == 2 * (2000 - len(held))
    # Control customers still run their course (so goals can be compared) and complete.
    assert {r.status for r in kit.enrollments() if r.holdout} == {"completed"}


def test_variants_are_weighted_and_stable_per_customer(kit):
    variants = [{"id": "plain", "weight": 1, "subject": "We miss you"},
                {"id": "name", "weight": 3, "subject": "{{ customer.first_name }}, we miss you"}]
    kit.use(campaign_doc("c", [{"id": "a", "template": "t/a", "variants": variants}]))
    kit.customers(*({"external_id": f"cust-{i:03d}"} for i in range(400)))
    kit.run(MONDAY)
    rows = kit.deliveries()
    assert all(d.variant == choose_variant(kit.campaign("c").steps[0].variants, "c", "a", d.external_id).id
               for d in rows)
    named = [d for d in rows if d.variant == "name"]
    assert 0.68 <= len(named) / len(rows) <= 0.82
    assert all(d.subject == f"{d.external_id.title()}, we miss you" for d in named)
    assert {d.subject for d in rows if d.variant == "plain"} == {"We miss you"}
    assert {d.details["variant"] for d in kit.decisions("queued")} == {"plain", "name"}
