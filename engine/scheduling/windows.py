"""Send windows: the next instant a step may be sent, in the customer's local time.

Windows are wall-clock rules ("weekdays 09:00-18:00 customer time"), so they are evaluated on the local date
and time from `zoneinfo`; the opening found is converted back to UTC, which is what makes them DST-correct:
09:00 in Berlin is 08:00 UTC in winter and 07:00 UTC in summer. An opening that falls in a spring-forward
gap (02:30 that never happens) resolves the way zoneinfo does (fold=0, i.e. the instant after the gap).
"""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from engine.rules.model import WEEKDAYS, SendWindow
from engine.timezones import resolve_zone

END_OF_DAY = time(23, 59)
"""An `end` of 23:59 means "until midnight", so an all-day window never excludes the last minute."""


def zone_for(window: SendWindow | None, customer_timezone: str | None, default_timezone: str) -> ZoneInfo:
    """The zone a window is read in: the window's own zone, else the customer's, else the project default.
    An unknown customer zone falls back to the default rather than blocking the customer forever."""
    name = window.timezone if window and window.timezone != "customer" else customer_timezone
    return resolve_zone(name, default_timezone)


def inside(window: SendWindow, clock: time) -> bool:
    if window.end == END_OF_DAY:
        return clock >= window.start
    return window.start <= clock < window.end


def next_opening(window: SendWindow | None, zone: ZoneInfo, at: datetime) -> datetime:
    """`at` itself when the window is open then, else the start of the next opening (aware UTC)."""
    at = at.astimezone(timezone.utc)
    if window is None:
        return at
    local = at.astimezone(zone)
    for offset in range(8):
        day = local.date() + timedelta(days=offset)
        if WEEKDAYS[day.weekday()] not in window.days:
            continue
        if offset == 0:
            if inside(window, local.time().replace(tzinfo=None)):
                return at
            if local.time().replace(tzinfo=None) >= window.start:
                continue  # today's window has already closed
        return datetime.combine(day, window.start, tzinfo=zone).astimezone(timezone.utc)
    raise ValueError(f"send window {window} never opens")  # schema requires at least one day
