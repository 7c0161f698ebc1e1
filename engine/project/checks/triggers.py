"""A campaign's `trigger` should name an event its audience asks for: the trigger only says when to look
(enrolment on arrival, engine/runner/arrival.py), the audience decides who enters. An audience that never
mentions the event enrols on its arrival anyone it matches, and the next run enrols all the others anyway,
which is rarely what was meant."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from engine.diagnostics import Diagnostic, Severity
from engine.project.checks.sources import ProjectSources, walk_conditions

TRIGGER_NOT_IN_AUDIENCE = "R213"
_EVENT_KINDS = {"event": "name", "last_event": "name", "aggregate": "event"}


def trigger_in_audience(sources: ProjectSources) -> Iterator[Diagnostic]:
    segments = {source.segment.id: source.document.data["condition"] for source in sources.segments}
    for source in sources.campaigns:
        trigger = source.campaign.trigger
        if trigger is None or trigger.event in _events(source.document.data["audience"], segments, set()):
            continue
        yield Diagnostic(
            TRIGGER_NOT_IN_AUDIENCE,
            f'the trigger event "{trigger.event}" is not in the audience, so it does not decide who enters',
            source.document.location(("trigger", "event")), "trigger.event", severity=Severity.warning,
            hint=f"require a recent one in the audience, e.g. event: {{name: {trigger.event}, within: 7d}}",
        )


def _events(node: Any, segments: dict[str, Any], seen: set[str]) -> set[str]:
    """The event names a condition tree mentions, through the segments it uses (each once: no cycles)."""
    names: set[str] = set()
    for kind, body, _ in walk_conditions(node, ()):
        if kind in _EVENT_KINDS and isinstance(body, dict):
            names.add(str(body[_EVENT_KINDS[kind]]))  # required by the schema
        elif kind == "segment" and isinstance(body, str) and body in segments and body not in seen:
            seen.add(body)
            names |= _events(segments[body], segments, seen)
    return names
