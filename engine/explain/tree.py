"""Evaluating every condition of a campaign for one customer: audience, exit, goal and each step's `when`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.conditions.evaluate import EvalContext, Verdict
from engine.timeutil import format_duration

if TYPE_CHECKING:
    from engine.explain.load import Subject
    from engine.conditions.segment import Segment
    from engine.rules.model import Campaign


@dataclass(frozen=True)
class Section:
    """One condition of the campaign (`verdict` None: the step has no `when`, so it always sends)."""

    label: str
    verdict: Verdict | None

    def to_dict(self) -> dict[str, Any]:
        return {"label": self.label, "passed": None if self.verdict is None else self.verdict.passed,
                "condition": None if self.verdict is None else self.verdict.to_dict()}


@dataclass(frozen=True)
class Explanation:
    campaign_id: str
    customer_id: str
    now: datetime
    enrolled_at: datetime | None
    enrollment_status: str | None
    sections: tuple[Section, ...]

    def to_dict(self) -> dict[str, Any]:
        enrollment = None if self.enrolled_at is None else {
            "enrolled_at": self.enrolled_at.isoformat(), "status": self.enrollment_status}
        return {"campaign": self.campaign_id, "customer": self.customer_id, "now": self.now.isoformat(),
                "enrollment": enrollment, "sections": [section.to_dict() for section in self.sections]}


def explain_campaign(
    campaign: "Campaign",
    subject: "Subject",
    *,
    now: datetime,
    activity_events: tuple[str, ...],
    segments: Mapping[str, "Segment"],
    default_timezone: str,
) -> Explanation:
    """Every condition of `campaign` evaluated for the subject at `now`; `since: enrolled` uses the
    subject's enrolment in this campaign (none: no event counts)."""
    enrollment = subject.enrollment
    ctx = EvalContext(
        now=now, customer=subject.customer, events=subject.events, activity_events=activity_events,
        segments=segments, default_timezone=default_timezone,
        enrolled_at=None if enrollment is None else enrollment.enrolled_at,
    )
    sections = [Section("audience", campaign.audience.evaluate(ctx))]
    if campaign.exit is not None:
        sections.append(Section("exit", campaign.exit.evaluate(ctx)))
    if campaign.goal is not None:
        label = f"goal (within {format_duration(campaign.goal.within)} of enrolment)"
        sections.append(Section(label, campaign.goal.condition.evaluate(ctx)))
    for step in campaign.steps:
        sections.append(Section(f"step {step.id}: when", None if step.when is None else step.when.evaluate(ctx)))
    return Explanation(
        campaign_id=campaign.id, customer_id=subject.customer.external_id, now=now,
        enrolled_at=ctx.enrolled_at, enrollment_status=None if enrollment is None else enrollment.status,
        sections=tuple(sections),
    )
