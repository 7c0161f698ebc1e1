"""Reactivation: of the customers who were dormant when they entered a campaign, how many became active
again soon after the first email, mailed vs held out. One grouped query per campaign; the per-enrolment tests
are correlated EXISTS on the (customer_id, name, occurred_at) events index.

"The first email" is when the campaign's first step falls due, enrolment plus its `wait`, for both arms: a
held-out customer gets no email, and intent to treat compares the arms from the same instant (a mailed
customer's actual send may be held back a few hours by a send window, which a 30-day window does not feel).
Activity between enrolment and that instant came before any email and does not count."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import Connection, and_, case, exists, func, select

from engine.reporting.ledger import E, EV, in_window
from engine.reporting.model import Reactivation, Window, rate
from engine.reporting.sqltime import seconds_between
from engine.rules.model import Campaign
from engine.store.models import Customer

C = Customer.__table__


@dataclass(frozen=True)
class ReactivationRule:
    """Dormant: no activity event for `dormant` before enrolment (and signed up at least that long before).
    Reactivated: an activity event within `within` after enrolment."""

    activity_events: tuple[str, ...]
    dormant: timedelta = timedelta(days=90)
    within: timedelta = timedelta(days=30)


def reactivation(conn: Connection, campaign: Campaign, window: Window, rule: ReactivationRule) -> Reactivation | None:
    """None when no enrolment of the campaign was dormant (e.g. a welcome series)."""
    dormant_s, within_s = rule.dormant.total_seconds(), rule.within.total_seconds()
    first_email_s = campaign.steps[0].wait.total_seconds() if campaign.steps else 0.0
    since_activity = seconds_between(E.c.enrolled_at, EV.c.occurred_at)
    activity = and_(EV.c.customer_id == E.c.customer_id, EV.c.name.in_(rule.activity_events))
    dormant = and_(
        seconds_between(E.c.enrolled_at, C.c.created_at) >= dormant_s,
        ~exists().where(activity, EV.c.occurred_at <= E.c.enrolled_at, since_activity < dormant_s),
    )
    back = exists().where(activity, EV.c.occurred_at >= E.c.enrolled_at, -since_activity >= first_email_s,
                          -since_activity <= first_email_s + within_s)
    query = (
        select(E.c.holdout, func.count().label("n"), func.sum(case((back, 1), else_=0)).label("back"))
        .select_from(E.join(C, C.c.id == E.c.customer_id))
        .where(E.c.campaign_id == campaign.id, dormant, *in_window(window))
        .group_by(E.c.holdout)
    )
    arms = {False: (0, 0), True: (0, 0)}
    for row in conn.execute(query):
        arms[bool(row.holdout)] = (row.n, int(row.back or 0))
    if arms[False][0] + arms[True][0] == 0:
        return None

    def arm(holdout: bool) -> dict[str, object]:
        dormant_n, back_n = arms[holdout]
        return {"dormant": dormant_n, "reactivated": back_n, "rate": rate(back_n, dormant_n)}

    return Reactivation(dormant_days=dormant_s / 86400, within_days=within_s / 86400,
                        treatment=arm(False), holdout=arm(True))
