"""Assemble each campaign's report from the grouped aggregates: a handful of GROUP BY queries for all
campaigns (engine.reporting.ledger) plus a few per campaign for its conversions (engine.reporting.conversions)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Connection, Subquery

from engine.reporting import conversions, ledger
from engine.reporting.model import CampaignReport, DailyPoint, Group, StepFigures, VariantFigures, Window
from engine.reporting.reactivation import ReactivationRule, reactivation
from engine.reporting.uplift import uplift, variant_test
from engine.rules.model import Campaign
from engine.timeutil import format_duration

PENDING = ("rendering", "queued", "sending")
STATUS_FIELDS = {"sent": "delivered", "failed": "failed", "suppressed": "suppressed"}


def campaign_reports(
    conn: Connection, campaigns: Sequence[Campaign], window: Window, rule: ReactivationRule
) -> list[CampaignReport]:
    ids = [c.id for c in campaigns]
    enrolled = _by_campaign(ledger.enrolments(conn, ids, window))
    mail: dict[tuple[str, str, str], VariantFigures] = {}

    def figures(campaign_id: str, step_id: str, variant: str | None) -> VariantFigures:
        key = (campaign_id, step_id, variant or "")
        return mail.setdefault(key, VariantFigures(variant=variant or ""))

    for row in ledger.emails(conn, ids, window):
        target = figures(row.campaign_id, row.step_id, row.variant)
        target.mailed += row.n
        target.customers += row.n  # one email per enrolment and step: every queued email is one assignment
        if row.status in STATUS_FIELDS:
            setattr(target, STATUS_FIELDS[row.status], getattr(target, STATUS_FIELDS[row.status]) + row.n)
        elif row.status in PENDING:
            target.pending += row.n
    for row in ledger.exits(conn, ids, window):
        reasons = figures(row.campaign_id, row.step_id, row.variant).exited
        reasons[row.end_reason or "unknown"] = reasons.get(row.end_reason or "unknown", 0) + row.n
    for row in ledger.suppressed_steps(conn, ids, window):
        figures(row.campaign_id, row.step_id, None).suppressed += row.n
    for field, rows in (("unsubscribes", ledger.unsubscribes(conn, ids, window)),
                        ("hard_bounces", ledger.hard_bounces(conn, ids, window))):
        for row in rows:
            target = figures(row.campaign_id, row.step_id, row.variant)
            setattr(target, field, getattr(target, field) + row.n)
    for row in ledger.clicks(conn, ids, window):
        target = figures(row.campaign_id, row.step_id, row.variant)
        target.clicks += row.n
        target.clickers += row.clickers
    return [_campaign(conn, c, window, rule, enrolled.get(c.id, []), mail) for c in campaigns]


def _by_campaign(rows: list) -> dict[str, list]:
    grouped: dict[str, list] = defaultdict(list)
    for row in rows:
        grouped[row.campaign_id].append(row)
    return grouped


def _campaign(conn: Connection, campaign: Campaign, window: Window, rule: ReactivationRule, rows: list,
              mail: dict[tuple[str, str, str], VariantFigures]) -> CampaignReport:
    arms = {False: Group(), True: Group()}
    exited: dict[str, int] = defaultdict(int)
    active = completed = 0
    for row in rows:
        arm = arms[bool(row.holdout)]
        arm.customers += row.n
        if row.status == "converted":
            arm.converted += row.n
        elif row.status == "exited":
            exited[row.end_reason or "unknown"] += row.n
        elif row.status == "completed":
            completed += row.n
        elif row.status == "active":
            active += row.n
    conv = conversions.conversions(campaign, window)
    for row in conversions.by_arm(conn, conv):
        arms[bool(row.holdout)].revenue = float(row.revenue or 0.0)
    for row in conversions.medians(conn, conv, "arm"):
        arms[bool(row.k1)].median_hours_to_convert = float(row.median)
    treatment, holdout = arms[False].finish(), arms[True].finish()

    steps = _steps(conn, campaign, conv, mail)
    enrolled_daily, converted_daily = conversions.daily(conn, campaign, conv, window)
    daily = [DailyPoint(r.day, "holdout" if r.holdout else "treatment", r.n, 0) for r in enrolled_daily]
    index = {(p.day, p.group): p for p in daily}
    for r in converted_daily:
        group = "holdout" if r.holdout else "treatment"
        point = index.get((r.day, group))
        if point is None:
            point = index[(r.day, group)] = DailyPoint(r.day, group, 0, 0)
            daily.append(point)
        point.converted += r.n
    daily.sort(key=lambda p: (p.day, p.group))
    goal = campaign.goal
    return CampaignReport(
        id=campaign.id,
        name=campaign.name,
        goal=None if goal is None else f"within {format_duration(goal.within)}",
        enrolled=treatment.customers + holdout.customers,
        held_out=holdout.customers,
        active=active,
        completed=completed,
        exited=dict(sorted(exited.items())),
        converted=treatment.converted + holdout.converted,
        revenue=treatment.revenue + holdout.revenue,
        treatment=treatment,
        holdout=holdout,
        uplift=uplift(treatment, holdout),
        steps=steps,
        daily=daily,
        reactivation=reactivation(conn, campaign, window, rule),
    )


def _steps(conn: Connection, campaign: Campaign, conv: Subquery,
           mail: dict[tuple[str, str, str], VariantFigures]) -> list[StepFigures]:
    def variant(step_id: str, name: str | None) -> VariantFigures:
        return mail.setdefault((campaign.id, step_id, name or ""), VariantFigures(variant=name or ""))

    for row in conversions.assigned(conn, conv):
        variant(row.step_id, row.variant).converted += row.n
    for row in conversions.credited(conn, conv):
        target = variant(row.step_id, row.variant)
        target.credited_conversions += row.n
        target.credited_revenue += float(row.revenue or 0.0)
    for row in conversions.medians(conn, conv, "variant"):
        variant(row.k1, row.k2).median_hours_to_convert = float(row.median)
    step_medians = {row.k1: float(row.median) for row in conversions.medians(conn, conv, "step")}

    known = [s.id for s in campaign.steps]
    seen = {step for (cid, step, _) in mail if cid == campaign.id}
    result = []
    for step_id in known + sorted(seen - set(known)):  # steps since removed from the campaign come last
        variants = sorted((v.finish() for (cid, s, _), v in mail.items() if cid == campaign.id and s == step_id),
                          key=lambda v: v.variant)
        step = StepFigures(step=step_id)
        for v in variants:
            step.add(v)
        step.median_hours_to_convert = step_medians.get(step_id)
        step.variants = variants if any(v.variant for v in variants) else []
        step.variant_test = variant_test([v for v in step.variants if v.variant])
        result.append(step.finish())
    return result
