"""Play one test case: a fresh store, its rows fed as the clock moves, the real tick at each instant, and what
the store holds afterwards (audience at `at`, queued emails, decisions) as plain observations.

Nothing is sent: the outbox rows are what a delivery backend would send, rendered exactly as a real run renders
them, with a fixed unsubscribe secret so the test needs no secret from the environment.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select

from engine.audience import audience_context, members_query
from engine.project import Project
from engine.runner.options import RunOptions
from engine.runner.render import compose_renderer
from engine.runner.tick import run_tick
from engine.ruletest.fixtures import Feed, empty_store
from engine.ruletest.model import TestCase
from engine.scheduling.hashing import register_sqlite_functions
from engine.store.models import Customer, Decision, Delivery
from engine.timeutil import as_utc

TEST_SECRET = b"rekindle test: a fixed secret, nothing signed with it is ever sent"

C, D, DEC = Customer.__table__, Delivery.__table__, Decision.__table__


@dataclass(frozen=True)
class SentEmail:
    at: datetime
    customer: str
    campaign: str
    step: str
    subject: str | None


@dataclass(frozen=True)
class Recorded:
    at: datetime
    customer: str | None
    campaign: str
    step: str | None
    decision: str
    reason: str


@dataclass(frozen=True)
class Observed:
    audience: dict[str, list[str]]
    emails: list[SentEmail]
    decisions: list[Recorded]


def run_case(project: Project, case: TestCase) -> Observed:
    with empty_store() as conn:
        register_sqlite_functions(conn.connection.driver_connection)
        feed = Feed(conn, case, project.config.defaults.activity_events)
        feed.until(case.at)
        audience = {campaign: _audience(conn, project, campaign, case.at)
                    for campaign in (case.expect.audience or {})}
        for moment in case.ticks():
            feed.until(moment)
            run_tick(conn, project, RunOptions(now=moment, campaigns=case.campaigns, persist=False),
                     compose_renderer(project, moment, TEST_SECRET), commit=None)
        feed.close()
        return Observed(audience, _emails(conn), _decisions(conn))


def _audience(conn: Connection, project: Project, campaign_id: str, at: datetime) -> list[str]:
    campaign = project.campaign(campaign_id)
    assert campaign is not None  # the loader refused a test naming an unknown campaign (U104)
    defaults = project.config.defaults
    ctx = audience_context(conn, campaign, now=at, activity_events=defaults.activity_events,
                           segments=project.segments, default_timezone=defaults.timezone)
    return sorted(row.external_id for row in conn.execute(members_query(campaign, ctx)))


def _emails(conn: Connection) -> list[SentEmail]:
    query = (
        select(D.c.queued_at, C.c.external_id, D.c.campaign_id, D.c.step_id, D.c.subject)
        .select_from(D.join(C, C.c.id == D.c.customer_id))
        .order_by(D.c.queued_at, D.c.campaign_id, C.c.external_id, D.c.id)
    )
    return [SentEmail(as_utc(at), *rest) for at, *rest in conn.execute(query)]


def _decisions(conn: Connection) -> list[Recorded]:
    query = (
        select(DEC.c.decided_at, C.c.external_id, DEC.c.campaign_id, DEC.c.step_id, DEC.c.decision, DEC.c.reason)
        .select_from(DEC.outerjoin(C, C.c.id == DEC.c.customer_id))
        .order_by(DEC.c.decided_at, DEC.c.campaign_id, C.c.external_id, DEC.c.id)
    )
    return [Recorded(as_utc(at), *rest) for at, *rest in conn.execute(query)]
