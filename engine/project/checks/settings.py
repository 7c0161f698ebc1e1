"""Checks of campaign settings the schema cannot express: send windows (and whether the declared schedule
reaches them) and A/B variants."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone

from engine.diagnostics import Diagnostic, Severity
from engine.project.checks.sources import ProjectSources
from engine.scheduling.reach import UNREACHED_HINT, unreached_message, unreached_zones
from engine.timezones import resolve_zone, unknown_timezone_message


def send_windows(sources: ProjectSources) -> Iterator[Diagnostic]:
    """The window must open before it closes (no overnight windows), in a timezone that exists."""
    for source in sources.campaigns:
        window = source.document.data.get("send_window")
        if not window:
            continue
        location = source.document.location
        start, end = window.get("start", "00:00"), window.get("end", "23:59")
        if start >= end:
            yield Diagnostic("R205", f"send_window starts at {start} but ends at {end}; the start must come first",
                             location(("send_window", "end")), "send_window.end",
                             hint="windows run within one day; overnight windows are not supported")
        zone = window.get("timezone", "customer")
        message = None if zone == "customer" else unknown_timezone_message(zone)
        if message:
            yield Diagnostic("R207", f"send_window.timezone: {message}", location(("send_window", "timezone")),
                             "send_window.timezone", hint='or write "customer" for each customer\'s own timezone')


REACH_START = datetime(2026, 1, 5, tzinfo=timezone.utc)
"""Where validate starts trying ticks (a Monday; reach samples winter and summer from there)."""


def schedule_reaches_windows(sources: ProjectSources) -> Iterator[Diagnostic]:
    """P503 (a warning) for a send window in a fixed timezone that the declared `schedule:` never reaches.
    Windows in each customer's own zone depend on where the customers live: `rekindle plan` checks those
    against the store."""
    cadence = sources.config.schedule
    if cadence is None:
        return
    for source in sources.campaigns:
        window = source.campaign.send_window
        if window is None or window.timezone == "customer" or unknown_timezone_message(window.timezone):
            continue
        missed = unreached_zones(cadence, window, [resolve_zone(window.timezone)], REACH_START)
        if missed:
            yield Diagnostic("P503", unreached_message(cadence, window, source.campaign.id, missed),
                             source.document.location(("send_window",)), "send_window", hint=UNREACHED_HINT,
                             severity=Severity.warning)


def variants(sources: ProjectSources) -> Iterator[Diagnostic]:
    """Variants must change something, and their weights must leave someone to send to."""
    for source in sources.campaigns:
        document = source.document
        for index, step in enumerate(document.data["steps"]):
            options = step.get("variants", ())
            for number, variant in enumerate(options):
                if "subject" not in variant and "template" not in variant:
                    path = ("steps", index, "variants", number)
                    yield Diagnostic("R105", f'variant "{variant["id"]}" in steps[{index}] changes nothing; '
                                     "give it a subject or a template", document.location(path),
                                     f"steps[{index}].variants[{number}]")
            if options and sum(variant.get("weight", 1) for variant in options) == 0:
                yield Diagnostic("R205", f"all variants of steps[{index}] have weight 0; nobody would get the email",
                                 document.location(("steps", index, "variants")), f"steps[{index}].variants")
