"""Whether a declared run schedule ever reaches a send window: a step is only sent by a tick that falls inside
the window, so a daily 09:00 UTC run never reaches 09:00-18:00 in New York (04:00 there) or Tokyo (18:00).
Customers there are deferred every day, silently. This finds such zones before they are deployed.

Ticks are tried over two fortnights half a year apart (winter and summer time), starting at a given instant:
a window no tick reaches in either is one the schedule can never reach in practice.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from engine.config.schedule import Cadence
from engine.rules.model import WEEKDAYS, SendWindow
from engine.scheduling.windows import inside

SAMPLE_SPAN = timedelta(days=14)
SAMPLE_STARTS = (timedelta(0), timedelta(days=182))


def reaches(cadence: Cadence, window: SendWindow, zone: ZoneInfo, start: datetime) -> bool:
    """True when some tick of `cadence` falls inside `window` read in `zone`."""
    for offset in SAMPLE_STARTS:
        begin = start + offset
        for tick in cadence.ticks(begin, begin + SAMPLE_SPAN):
            local = tick.astimezone(zone)
            if WEEKDAYS[local.weekday()] in window.days and inside(window, local.time().replace(tzinfo=None)):
                return True
    return False


def unreached_message(cadence: Cadence, window: SendWindow, campaign_id: str, zones: list[str],
                      customers: int | None = None) -> str:
    """The P503 message (validate and plan say it the same way)."""
    who = "" if customers is None else f" ({customers} subscribed customer{'s' if customers != 1 else ''})"
    return (f"the schedule `{cadence.describe()}` never reaches the send window of campaign {campaign_id!r} "
            f"({window.start:%H:%M}-{window.end:%H:%M} {'/'.join(window.days)}) in {', '.join(zones)}{who}: those "
            "sends are deferred on every run")


UNREACHED_HINT = "run more often (e.g. `schedule: every 15m`) or widen the window"


def unreached_zones(cadence: Cadence, window: SendWindow, zones: Iterable[ZoneInfo], start: datetime) -> list[str]:
    """The names of the zones (of `zones`) in which no tick of `cadence` ever falls inside `window`."""
    return sorted({zone.key for zone in zones if not reaches(cadence, window, zone, start)})
