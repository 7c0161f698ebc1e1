"""IANA timezone names: whether one exists, and the nearest spelling when it does not."""

from __future__ import annotations

from functools import cache
from zoneinfo import available_timezones

from engine.diagnostics.suggest import closest


@cache
def _zones() -> frozenset[str]:
    return frozenset(available_timezones())


def unknown_timezone_message(name: str) -> str | None:
    """None when `name` is a timezone; else a message with the closest known name, if any."""
    if name in _zones():
        return None
    match = closest(name, _zones())
    suggestion = f' (did you mean "{match}"?)' if match else " (use an IANA name such as Europe/Paris)"
    return f'unknown timezone "{name}"{suggestion}'
