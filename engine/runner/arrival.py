"""Enrolment on arrival: events posted to the web endpoint enrol their customers into the campaigns whose
`trigger` names that event with `enrol: on_arrival` (docs/rules.md), at once instead of at the next tick.

    enrol_arrivals(engine, project, [("cus_1", "onboarding_completed")], now, rules_commit)

It is the tick's own enrolment (engine/runner/entry.py: the audience, re-entry, groups, the holdout and the
audience guard, decisions with their reasons), restricted to the arriving customers, in a `runs` row of kind
`arrival`, and nothing more: no step is queued or sent here. The first step is due at enrolment plus its
wait, so the worker (which wakes for enrolments falling due since its last tick) or the next `rekindle run`
sends it. Repeating it is harmless: a customer already enrolled is not enrolled again, by the tick's rules.
Disabled and paused campaigns are passed over, as in a tick.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import Engine

from engine.project import Project
from engine.rules.model import Campaign
from engine.runner.entry import enrol
from engine.runner.options import RunOptions
from engine.runner.runs import finish_run, start_run
from engine.runner.tick import group_peers, ordered
from engine.store import pauses
from engine.store.models import Customer

C = Customer.__table__


def arrival_campaigns(project: Project, events: Collection[str]) -> list[Campaign]:
    """The enabled campaigns that enrol on the arrival of one of the event names `events`, by priority."""
    return [c for c in ordered(project.campaigns)
            if c.enabled and c.trigger is not None and c.trigger.on_arrival and c.trigger.event in events]


def enrol_arrivals(engine: Engine, project: Project, arrivals: Collection[tuple[str, str]], now: datetime,
                   rules_commit: str | None) -> dict[str, int]:
    """Enrol the customers of `arrivals` ((customer external id, event name) pairs) into the campaigns their
    events trigger; returns {campaign id: customers enrolled (control group included)}, empty when no
    campaign enrols on these events (then nothing is written, not even a `runs` row)."""
    campaigns = arrival_campaigns(project, {name for _, name in arrivals})
    if not campaigns:
        return {}
    with engine.connect() as conn:
        paused = pauses.paused_ids(conn)
        campaigns = [c for c in campaigns if not pauses.is_paused(paused, c.id)]
        if not campaigns:
            return {}
        ctx = start_run(conn, project, RunOptions(now=now), rules_commit, kind="arrival")
        for campaign in campaigns:
            assert campaign.trigger is not None  # arrival_campaigns chose campaigns with one
            customers = sorted({customer for customer, name in arrivals if name == campaign.trigger.event})
            ctx.summary.campaign(campaign.id, campaign.version).step_order = tuple(s.id for s in campaign.steps)
            enrol(ctx, campaign, group_peers(campaign, project.campaigns), among=C.c.external_id.in_(customers))
            ctx.log.flush()
            ctx.checkpoint()
        finish_run(ctx)
    return {c.id: ctx.summary.campaign(c.id).total("enrolled") + ctx.summary.campaign(c.id).total("held_out")
            for c in campaigns}
