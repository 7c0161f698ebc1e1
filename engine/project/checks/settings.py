"""Checks of campaign settings the schema cannot express: send windows and A/B variants."""

from __future__ import annotations

from collections.abc import Iterator

from engine.diagnostics import Diagnostic
from engine.project.checks.sources import ProjectSources
from engine.timezones import unknown_timezone_message


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
