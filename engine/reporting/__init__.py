"""Reporting: did the campaigns win customers back? Conversions, revenue, uplift against the holdout,
variants, lifecycle and value, computed as SQL aggregates over the ledger (docs/reporting.md).

`build_report` returns a `Report` (plain dataclasses); `engine.reporting.formatters` writes it as text,
markdown, JSON or CSV and `engine.reporting.html` draws it as one self-contained page.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection

from engine.project import Project
from engine.reporting.campaigns import campaign_reports
from engine.reporting.lifecycle import lifecycle
from engine.reporting.model import Report, Window
from engine.reporting.reactivation import ReactivationRule
from engine.rules.model import Campaign
from engine.timeutil import to_naive_utc


def build_report(
    conn: Connection,
    project: Project,
    campaigns: Sequence[Campaign],
    *,
    now: datetime,
    since: datetime | None = None,
    until: datetime | None = None,
    with_lifecycle: bool = True,
) -> Report:
    """The report of `campaigns` for enrolments in [since, until), and the lifecycle section at `now`."""
    config = project.config
    window = Window(None if since is None else to_naive_utc(since), None if until is None else to_naive_utc(until))
    rule = ReactivationRule(config.defaults.activity_events, config.reporting.dormant_after,
                            config.reporting.reactivation_within)
    return Report(
        generated_at=now.isoformat(),
        since=None if since is None else since.isoformat(),
        until=None if until is None else until.isoformat(),
        campaigns=campaign_reports(conn, campaigns, window, rule),
        lifecycle=lifecycle(conn, config, project.segments, until or now, since) if with_lifecycle else None,
    )


__all__ = ["Report", "Window", "build_report"]
