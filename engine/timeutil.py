"""Instants and durations as the rule language writes them: ISO 8601 times and `90d` / `36h` / `2w` spans."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

_DURATION = re.compile(r"^(?P<amount>\d+)(?P<unit>[mhdw])$")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}
_UNIT_SECONDS = {"m": 60, "h": 3600, "d": 86400, "w": 604800}
DURATION_PATTERN = r"^[0-9]+[mhdw]$"
"""The same grammar as a JSON Schema pattern, used by schemas/rule.v1.json."""
MAX_DURATION = timedelta(days=36500)
"""The longest duration a rule may name (100 years): `now` minus or plus it stays a representable date on
both dialects, so a value `validate` accepts can always be computed (schemas: format `rekindle-duration`)."""


def duration_in_range(text: str) -> bool:
    """Whether `text` is a duration no longer than MAX_DURATION (any text that is not a duration passes:
    the pattern reports that)."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if match is None:
        return True
    amount = match["amount"].lstrip("0") or "0"
    # whole seconds, never a timedelta: 200000000w is past timedelta's own limit (OverflowError)
    return len(amount) <= 12 and int(amount) * _UNIT_SECONDS[match["unit"]] <= MAX_DURATION.total_seconds()


def parse_duration(text: str) -> timedelta:
    """Parse `30m`, `36h`, `90d` or `2w` into a timedelta; raise ValueError with the accepted forms otherwise."""
    match = _DURATION.match(text.strip()) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"{text!r} is not a duration; write a whole number and a unit: 30m, 36h, 90d or 2w")
    if not duration_in_range(text.strip()):
        raise ValueError(f"{text!r} is longer than {MAX_DURATION.days}d (100 years), the longest duration allowed")
    return timedelta(**{_UNITS[match["unit"]]: int(match["amount"])})


def format_duration(span: timedelta) -> str:
    """The shortest rule-language spelling of a timedelta (inverse of parse_duration for whole units)."""
    seconds = int(span.total_seconds())
    for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
        if seconds % size == 0:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def parse_instant(text: str) -> datetime:
    """Parse an ISO 8601 date or datetime; naive values are taken as UTC. Returns an aware UTC datetime."""
    try:
        value = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise ValueError(f"{text!r} is not an ISO 8601 time such as 2026-11-23T09:00:00Z") from None
    return as_utc(value)


def as_utc(value: datetime | date) -> datetime:
    """Aware UTC datetime from a datetime (naive = UTC) or a date (midnight UTC)."""
    if not isinstance(value, datetime):
        value = datetime(value.year, value.month, value.day)
    if value.tzinfo is None:
        return value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc)


def to_naive_utc(value: datetime) -> datetime:
    """The form stored in the database: naive UTC, identical on SQLite and PostgreSQL."""
    return as_utc(value).replace(tzinfo=None)
