"""Warnings a reviewer must see before merging (P5xx, docs/diagnostics.md). `rekindle plan` prints them and,
with `--strict`, exits 1 when there is any, so CI can block the merge:

P501  an audience above the audience guard: a share of the subscribed customers (every campaign), or its
      absolute `max_audience`
P502  customers wait at a step the change renames or removes (or at a step that no longer exists)
P503  a send window the declared `schedule:` never reaches, for the zones the store's customers live in
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from datetime import datetime

from sqlalchemy import Connection, func, select, true

from engine.audience.guard import guard_breach
from engine.diagnostics import Diagnostic, Location, Severity
from engine.plan.review import step_fate, waiting_groups
from engine.project import Project
from engine.rules.model import Campaign
from engine.scheduling.reach import UNREACHED_HINT, unreached_message, unreached_zones
from engine.store.models import Customer
from engine.timezones import resolve_zone


def _where(campaign: Campaign, step_id: str | None = None) -> Location:
    step = campaign.step(step_id) if step_id else None
    return (step.location if step and step.location else None) or campaign.location or Location(campaign.source)


def audience_warnings(conn: Connection, project: Project, sizes: Mapping[str, int]) -> Iterator[Diagnostic]:
    """P501 for each enabled campaign whose audience (`sizes`, counted at the plan's `now`) is above its guard."""
    guard = project.config.defaults.audience_guard
    for campaign in project.campaigns:
        size = sizes.get(campaign.id)
        if not campaign.enabled or size is None:
            continue
        breach = guard_breach(campaign, guard, size, conn)
        if breach:
            yield Diagnostic("P501", f"campaign {campaign.id!r} selects {size} customers, {breach}; a run would "
                             "hold it", _where(campaign), "audience", severity=Severity.warning,
                             hint="narrow the audience, or set max_audience_share (or max_audience) in the "
                                  "campaign if this many is intended")


def waiting_warnings(conn: Connection, head: Project, base: Project | None) -> Iterator[Diagnostic]:
    """P502 for customers mid-sequence at a step that the change renames or removes (with `base`), or that the
    current rules no longer have (without it: the store already holds enrolments the rules dropped)."""
    ids = [c.id for c in head.campaigns] + ([c.id for c in base.campaigns if head.campaign(c.id) is None]
                                            if base else [])
    groups = waiting_groups(conn, ids)
    for campaign_id, rows in groups.items():
        old = base.campaign(campaign_id) if base else None
        new = head.campaign(campaign_id)
        for step_id, index, count in rows:
            fate = step_fate(old, new, step_id, index) if base else step_fate(None, new, step_id, index)
            if fate == "kept" or count == 0:
                continue
            campaign = new or old
            assert campaign is not None
            yield Diagnostic("P502", f"{count} customer{'s wait' if count != 1 else ' waits'} at step {step_id!r} of "
                             f"campaign {campaign_id!r}, which is {fate}", _where(campaign), "steps",
                             severity=Severity.warning,
                             hint=f"on_change: {campaign.on_change} decides what happens to them; keep the step "
                                  "id, or choose on_change deliberately")


def customer_zones(conn: Connection, default_timezone: str) -> dict[str, int]:
    """Subscribed customers per zone they are mailed in (unknown zones count as the default): one query."""
    table = Customer.__table__
    rows = conn.execute(select(table.c.timezone, func.count()).where(table.c.subscribed == true())
                        .group_by(table.c.timezone))
    zones: dict[str, int] = {}
    for name, count in rows:
        key = resolve_zone(name, default_timezone).key
        zones[key] = zones.get(key, 0) + count
    return zones or {resolve_zone(default_timezone).key: 0}


def window_warnings(project: Project, zones: Mapping[str, int], start: datetime) -> Iterator[Diagnostic]:
    """P503 for each send window the declared schedule never reaches, naming the zones and their customers."""
    cadence = project.config.schedule
    if cadence is None:
        return
    for campaign in project.campaigns:
        window = campaign.send_window
        if not campaign.enabled or window is None:
            continue
        names: Iterable[str] = zones if window.timezone == "customer" else [window.timezone]
        missed = unreached_zones(cadence, window, [resolve_zone(n) for n in names], start)
        if not missed:
            continue
        people = sum(zones.get(name, 0) for name in missed) if window.timezone == "customer" else None
        yield Diagnostic("P503", unreached_message(cadence, window, campaign.id, missed, people), _where(campaign),
                         "send_window", severity=Severity.warning, hint=UNREACHED_HINT)


def plan_warnings(conn: Connection, head: Project, base: Project | None, sizes: Mapping[str, int],
                  now: datetime) -> list[Diagnostic]:
    zones = customer_zones(conn, head.config.defaults.timezone)
    found = [*audience_warnings(conn, head, sizes), *waiting_warnings(conn, head, base),
             *window_warnings(head, zones, now)]
    return sorted(found, key=Diagnostic.sort_key)
