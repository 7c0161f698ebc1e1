"""The schedule a project declares for its runs (`schedule: every 15m` or `schedule: every 1d at 09:00` in
`rekindle.yaml`): when ticks happen, in UTC. The worker runs on it, and the checks use it to find send windows
the declared ticks can never reach.

Ticks are anchored at midnight UTC plus the `at` time of day, then repeat every `every`, so the same schedule
gives the same instants on every machine (and in `rekindle simulate`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone

from engine.timeutil import format_duration, parse_duration

SCHEDULE_PATTERN = r"^every [0-9]+[mhdw]( at ([01][0-9]|2[0-3]):[0-5][0-9])?$"
"""The grammar of `schedule:`; the config schema uses the same pattern."""


@dataclass(frozen=True)
class Cadence:
    """Ticks at `anchor` (a UTC time of day) + k × `every`, for every integer k."""

    every: timedelta
    anchor: time = time(0, 0)

    def describe(self) -> str:
        at = f" at {self.anchor:%H:%M}" if self.anchor != time(0, 0) else ""
        return f"every {format_duration(self.every)}{at}"

    def next_tick(self, after: datetime) -> datetime:
        """The first tick strictly after `after` (an aware instant)."""
        origin = datetime.combine(after.astimezone(timezone.utc).date(), self.anchor, tzinfo=timezone.utc)
        origin -= timedelta(days=1)  # ticks of a long period may start before today's anchor
        steps = (after - origin) // self.every + 1
        return origin + steps * self.every

    def ticks(self, start: datetime, end: datetime) -> Iterator[datetime]:
        """Every tick in [start, end]."""
        moment = self.next_tick(start - timedelta(microseconds=1))
        while moment <= end:
            yield moment
            moment += self.every


def parse_cadence(text: str) -> Cadence:
    """`every 15m`, `every 1d at 09:00` -> Cadence. ValueError for anything else."""
    if not re.match(SCHEDULE_PATTERN, text):
        raise ValueError(f"{text!r} is not a schedule; write e.g. 'every 15m' or 'every 1d at 09:00'")
    parts = text.split()
    every = parse_duration(parts[1])
    if every <= timedelta(0):
        raise ValueError("a schedule repeats after a positive duration, e.g. every 15m")
    if len(parts) == 4:
        hour, minute = (int(part) for part in parts[3].split(":"))
        anchor = time(hour, minute)
    else:
        anchor = time(0, 0)
    return Cadence(every, anchor)
