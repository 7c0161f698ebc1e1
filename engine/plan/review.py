"""`rekindle plan --base REF`: what a change would do compared with the base, for the reviewer of a pull
request. Per campaign: added / removed / changed (which keys, old -> new), the audience base -> head (both
counted in SQL on the same store at the same `--now`), emails whose rendered subject or text changed for
sample customers of the audience (a short text diff), and the customers waiting at steps the change renames
or removes, with what the campaign's `on_change` does to them."""

from __future__ import annotations

import difflib
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, func, select

from engine.audience import count_query
from engine.diagnostics import Diagnostic
from engine.plan.changes import effect
from engine.plan.diff import CampaignDiff, KeyChange, diff_projects
from engine.plan.samples import audience_ctx, audience_members, recipient
from engine.project import Project
from engine.rendering.compose import compose_email
from engine.rendering.errors import RenderError
from engine.rendering.message import HeaderInjection
from engine.rules.model import Campaign, Step, Variant, counterpart
from engine.store.models import Customer, Enrollment

E = Enrollment.__table__
DIFF_LINES = 16
"""At most this many diff lines per email: enough to see the change, short enough for a PR comment."""


@dataclass(frozen=True)
class EmailChange:
    campaign: str
    step: str
    variant: str | None
    customer: str
    change: str
    """changed (subject or text differ), html (only the HTML differs), added or removed (the step)."""
    old_subject: str | None
    new_subject: str | None
    diff: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Waiting:
    """Customers mid-sequence at a step, and what the change does to them."""

    campaign: str
    step: str | None
    customers: int
    change: str
    """kept, removed, renamed to <id> (same position, new id), or campaign removed."""
    effect: str


@dataclass
class CampaignReview:
    campaign: str
    status: str
    """added, removed, changed or unchanged; `changed` also when only a template's output changed."""
    keys: list[KeyChange]
    audience_base: int | None
    audience_head: int | None
    on_change: str | None
    emails: list[EmailChange] = field(default_factory=list)
    waiting: list[Waiting] = field(default_factory=list)

    @property
    def delta(self) -> int:
        return (self.audience_head or 0) - (self.audience_base or 0)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["keys"] = [k.to_dict() for k in self.keys]
        data["audience_delta"] = self.delta
        return data


@dataclass
class Review:
    base_ref: str
    base_commit: str
    now: datetime
    masked: bool
    campaigns: list[CampaignReview]
    warnings: list[Diagnostic] = field(default_factory=list)

    def changed(self) -> list[CampaignReview]:
        return [c for c in self.campaigns if c.status != "unchanged"]

    def to_dict(self) -> dict[str, Any]:
        return {"base": self.base_ref, "base_commit": self.base_commit, "now": self.now.isoformat(),
                "masked": self.masked, "campaigns": [c.to_dict() for c in self.campaigns],
                "changed": [c.campaign for c in self.changed()],
                "warnings": [w.to_dict() for w in self.warnings]}


def _count(conn: Connection, project: Project, campaign: Campaign | None, now: datetime) -> int | None:
    if campaign is None:
        return None
    return conn.execute(count_query(campaign, audience_ctx(conn, project, campaign, now))).scalar_one()


def _render(project: Project, campaign: Campaign, step: Step, variant: Variant | None, customer: Customer,
            now: datetime, secret: bytes):
    """(subject, text, html), or a one-line description of why it failed."""
    try:
        email = compose_email(project.config, campaign, step, customer, variant=variant, now=now,
                              message_id=f"<review.{campaign.id}.{step.id}@rekindle.invalid>",
                              unsubscribe_secret=secret)
    except (RenderError, HeaderInjection) as exc:
        return None, f"failed to render: {exc}", ""
    return email.subject, email.text, email.html


def _text_diff(old: str, new: str) -> list[str]:
    lines = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=1))[2:]
    return lines[:DIFF_LINES] + ([f"… {len(lines) - DIFF_LINES} more lines"] if len(lines) > DIFF_LINES else [])


def _step_changes(base: Project, head: Project, old: Campaign | None, new: Campaign, step: Step,
                  customer: Customer, name: str, now: datetime, secret: bytes) -> list[EmailChange]:
    """One head step (each of its variants) against its base counterpart, for one customer."""
    changes = []
    before = counterpart(old, new, step)
    label = step.id if before is None or before.id == step.id else f"{before.id} → {step.id}"
    for variant in step.variants or (None,):
        variant_id = variant.id if variant else None
        new_subject, new_text, new_html = _render(head, new, step, variant, customer, now, secret)
        if old is None or before is None:
            changes.append(EmailChange(new.id, label, variant_id, name, "added", None, new_subject))
            continue
        old_variant = next((v for v in before.variants if variant and v.id == variant.id), None)
        old_subject, old_text, old_html = _render(base, old, before, old_variant, customer, now, secret)
        if (old_subject, old_text) != (new_subject, new_text):
            diff = ([f"-Subject: {old_subject}", f"+Subject: {new_subject}"]
                    if old_subject != new_subject else []) + _text_diff(old_text, new_text)
            changes.append(EmailChange(new.id, label, variant_id, name, "changed", old_subject, new_subject, diff))
        elif old_html != new_html:
            changes.append(EmailChange(new.id, label, variant_id, name, "html", old_subject, new_subject))
    return changes


def email_changes(base: Project, head: Project, old: Campaign | None, new: Campaign | None,
                  samples: list[Customer], now: datetime, secret: bytes, mask: bool) -> list[EmailChange]:
    """Each step (and variant) rendered with the base's and the head's templates for the same customers."""
    changes: list[EmailChange] = []
    renamed = set()
    if new is not None:
        renamed = {before.id for step in new.steps if (before := counterpart(old, new, step)) is not None}
    for customer in samples:
        shown, name = recipient(customer, mask)
        if new is not None:
            for step in new.steps:
                changes += _step_changes(base, head, old, new, step, shown, name, now, secret)
        if old is not None:
            for step in old.steps:
                if (new is None or new.step(step.id) is None) and step.id not in renamed:
                    changes.append(EmailChange(old.id, step.id, None, name, "removed",
                                               _render(base, old, step, None, shown, now, secret)[0], None))
    return changes


def waiting_groups(conn: Connection, campaign_ids: list[str]) -> dict[str, list[tuple[str | None, int, int]]]:
    """Active enrolments per campaign as (next step id, next step index, customers): one grouped query."""
    groups: dict[str, list[tuple[str | None, int, int]]] = defaultdict(list)
    if not campaign_ids:
        return groups
    query = (select(E.c.campaign_id, E.c.next_step_id, E.c.next_step, func.count())
             .where(E.c.status == "active", E.c.campaign_id.in_(campaign_ids))
             .group_by(E.c.campaign_id, E.c.next_step_id, E.c.next_step)
             .order_by(E.c.campaign_id, E.c.next_step))
    for campaign_id, step_id, index, count in conn.execute(query):
        groups[campaign_id].append((step_id, index, count))
    return groups


def step_fate(old: Campaign | None, new: Campaign | None, step_id: str | None, index: int) -> str:
    """What the change does to the step customers wait at: kept, removed, renamed to <id>, campaign removed."""
    if new is None:
        return "campaign removed"
    if step_id is None or new.step(step_id) is not None:
        return "kept"
    if old is not None and index < len(new.steps) and index < len(old.steps) and old.steps[index].id == step_id:
        replacement = new.steps[index].id
        if old.step(replacement) is None:
            return f"renamed to {replacement}"
    return "removed"


def waiting(old: Campaign | None, new: Campaign | None, groups: list[tuple[str | None, int, int]]) -> list[Waiting]:
    campaign = new or old
    assert campaign is not None
    result = []
    for step_id, index, count in groups:
        fate = step_fate(old, new, step_id, index)
        outcome = "stay enrolled; the campaign no longer runs" if new is None else effect(new, step_id, index)
        result.append(Waiting(campaign.id, step_id, count, fate, outcome))
    return result


def build_review(conn: Connection, base: Project, head: Project, *, base_ref: str, base_commit: str,
                 now: datetime, samples: int, mask: bool, secret: bytes) -> Review:
    diffs: list[CampaignDiff] = diff_projects(base, head)
    groups = waiting_groups(conn, [d.campaign for d in diffs])
    reviews = []
    for diff in diffs:
        old, new = base.campaign(diff.campaign), head.campaign(diff.campaign)
        members = audience_members(conn, head, new, now, samples) if new else []
        if not members and old is not None:
            members = audience_members(conn, base, old, now, samples)
        either = new or old
        assert either is not None  # a diff names a campaign of one side at least
        review = CampaignReview(diff.campaign, diff.status, diff.keys, _count(conn, base, old, now),
                                _count(conn, head, new, now), either.on_change)
        review.emails = email_changes(base, head, old, new, members, now, secret, mask)
        if diff.status != "unchanged" or review.emails:
            review.waiting = waiting(old, new, groups.get(diff.campaign, []))
        if review.status == "unchanged" and review.emails:
            review.status = "changed"  # only a template changed: the file is the same, the emails are not
        reviews.append(review)
    return Review(base_ref, base_commit, now, mask, reviews)
