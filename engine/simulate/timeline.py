"""Ticks from one instant to another at a fixed interval, and the timeline of what they decided.

Deterministic: the same store, rules and options give the same output byte for byte (nothing depends on
the wall clock, the run ids or the rules commit), so a CI job can diff it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, func, select

from engine.project import Project
from engine.runner.options import RunOptions
from engine.runner.render import compose_renderer, rehearsal_secret
from engine.runner.summary import RunSummary
from engine.runner.tick import run_tick
from engine.store.models import Customer, Decision, Delivery

DEC, C, D = Decision.__table__, Customer.__table__, Delivery.__table__


@dataclass(frozen=True)
class Moment:
    """One line of the timeline."""

    at: datetime
    campaign: str
    step: str | None
    customer: str | None
    decision: str
    reason: str
    subject: str | None
    variant: str | None

    def to_dict(self) -> dict[str, Any]:
        return {"at": _iso(self.at), "campaign": self.campaign, "step": self.step, "customer": self.customer,
                "decision": self.decision, "reason": self.reason, "subject": self.subject, "variant": self.variant}


def tick_times(start: datetime, end: datetime, every: timedelta) -> Iterator[datetime]:
    if every <= timedelta(0):
        raise ValueError("--every must be a positive duration such as 1h or 1d")
    moment = start
    while moment <= end:
        yield moment
        moment += every


def simulate(
    conn: Connection, project: Project, start: datetime, end: datetime, every: timedelta, campaigns: tuple[str, ...] = ()
) -> tuple[list[RunSummary], Iterator[Moment]]:
    """Run the ticks on `conn` (a sandbox connection) and return their summaries and the timeline."""
    first_decision = conn.execute(select(func.coalesce(func.max(DEC.c.id), 0))).scalar_one()
    secret = rehearsal_secret(project)
    summaries = [
        run_tick(conn, project, RunOptions(now=moment, campaigns=campaigns, persist=False),
                 compose_renderer(project, moment, secret), commit=None)
        for moment in tick_times(start, end, every)
    ]
    return summaries, _timeline(conn, first_decision)


def _timeline(conn: Connection, after_id: int) -> Iterator[Moment]:
    sent = and_(D.c.enrollment_id == DEC.c.enrollment_id, D.c.step_id == DEC.c.step_id, DEC.c.decision == "queued")
    query = (
        select(DEC.c.decided_at, DEC.c.campaign_id, DEC.c.step_id, C.c.external_id, DEC.c.decision, DEC.c.reason,
               D.c.subject, D.c.variant)
        .select_from(DEC.outerjoin(C, C.c.id == DEC.c.customer_id).outerjoin(D, sent))
        .where(DEC.c.id > after_id)
        .order_by(DEC.c.decided_at, DEC.c.campaign_id, C.c.external_id, DEC.c.id)
    )
    for row in conn.execute(query.execution_options(yield_per=1000)):
        yield Moment(*row)


def tick_report(summary: RunSummary) -> dict[str, Any]:
    """A tick's summary without what differs between identical simulations (run id, commit)."""
    document = summary.to_dict()
    return {key: document[key] for key in ("now", "limit_reached", "totals", "campaigns")}


def _iso(moment: datetime) -> str:
    return moment.isoformat() + "Z"
