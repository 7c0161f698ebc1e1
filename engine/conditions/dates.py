"""Calendar dates in the customer's timezone, computed the same way in Python and in portable SQL.

Neither SQLite nor portable SQL can convert a UTC instant to local time in an IANA zone. Rekindle does the
zone arithmetic in Python instead and hands the database plain values:

* "Today" is computed per zone in Python (`local_today`).
* "The local date of a stored UTC time is before / on or after day D" is a range test against D's local
  midnight in UTC (`since_local_midnight_sql`), with the offsets in force around that midnight.
* Where the local date itself is needed (anniversaries' month-day), it is `date(utc + offset)`, the offset
  coming from a CASE that binary-searches the zone's UTC offset changes (computed here from tzdata) between
  1970 and five years after `now`. Within that span both equal Python's `astimezone`, DST included.
* `per_zone` emits `CASE customers.timezone WHEN 'Europe/Paris' THEN ... ELSE <default zone> END`, one branch
  per zone present in the store, so the database still does the per-customer work in one query.

Customers without a timezone, or with one tzdata does not know, use the configured default zone.
Date attributes (JSON strings such as "1990-05-17") are calendar dates and are never converted: only their
first ten characters count, compared as ISO text.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from engine.timeutil import as_utc
from engine.timezones import resolve_zone

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.sql import SqlContext

EPOCH = datetime(1970, 1, 1)
SPAN_AFTER_NOW_YEARS = 5


def local_today(now: datetime, zone: ZoneInfo) -> date:
    return as_utc(now).astimezone(zone).date()


def local_date(stored_utc: datetime, zone: ZoneInfo) -> str:
    """Python: the ISO local date of a stored (naive UTC) time."""
    return as_utc(stored_utc).astimezone(zone).date().isoformat()


def span_end(now: datetime) -> int:
    return as_utc(now).year + SPAN_AFTER_NOW_YEARS


@lru_cache(maxsize=4096)
def offset_segments(zone_key: str, first_year: int, last_year: int) -> tuple[tuple[datetime, int], ...]:
    """(naive UTC start, offset seconds) for each stretch of constant UTC offset from `first_year` through
    `last_year`. Sampled daily, each change located to the second by bisection (changes fall on whole
    seconds); the first stretch starts on 1 January of `first_year`."""
    zone = ZoneInfo(zone_key)

    def offset(ts: int) -> int:
        delta = datetime.fromtimestamp(ts, zone).utcoffset()
        assert delta is not None  # an aware datetime always has a UTC offset
        return int(delta.total_seconds())

    day = 86400
    start = int((datetime(first_year, 1, 1) - EPOCH).total_seconds())
    end = int((datetime(last_year + 1, 1, 1) - EPOCH).total_seconds())
    segments = [(EPOCH + timedelta(seconds=start), offset(start))]
    previous_ts, previous = start, offset(start)
    for ts in range(start + day, end + day, day):
        current = offset(ts)
        if current != previous:
            low, high = previous_ts, ts  # offset(low) == previous, offset(high) != previous
            while high - low > 1:
                middle = (low + high) // 2
                low, high = (middle, high) if offset(middle) == previous else (low, middle)
            segments.append((EPOCH + timedelta(seconds=high), offset(high)))
        previous_ts, previous = ts, current
    return tuple(segments)


def _offset_case(column: ColumnElement[Any], segments: tuple[tuple[datetime, int], ...]) -> ColumnElement[Any]:
    """A balanced CASE tree: about log2(len(segments)) comparisons per row."""
    from sqlalchemy import case, literal, literal_column

    if len(segments) == 1:
        return literal_column(str(segments[0][1]))
    middle = len(segments) // 2
    pivot = segments[middle][0]
    return case(
        (column < literal(pivot, column.type), _offset_case(column, segments[:middle])),
        else_=_offset_case(column, segments[middle:]),
    )


def local_date_sql(column: ColumnElement[Any], zone: ZoneInfo, now: datetime) -> ColumnElement[str]:
    """SQL: the ISO local date ('YYYY-MM-DD') of a naive-UTC datetime column in `zone`."""
    from sqlalchemy import String, func, literal, literal_column

    from engine.conditions.sql import Portable

    seconds = _offset_case(column, offset_segments(zone.key, EPOCH.year, span_end(now)))
    return Portable(
        String(),
        # Whole seconds first: SQLite's date functions round fractions to milliseconds, which could carry
        # 23:59:59.9995 over to the next day. Offsets are whole seconds, so truncating never changes the date.
        sqlite=func.date(func.substr(column, 1, 19), seconds.op("||")(literal(" seconds"))),
        postgresql=func.to_char(column + seconds * literal_column("interval '1 second'"), "YYYY-MM-DD"),
    )


def per_zone(ctx: SqlContext, build: Callable[[ZoneInfo], ColumnElement[bool]]) -> ColumnElement[bool]:
    """`build(zone)` for each zone present, chosen by the customer's timezone; the default zone otherwise:
    `CASE timezone WHEN 'A' THEN CASE WHEN test_A THEN true ELSE false END ... END`. The inner CASE is not
    decoration: SQLite short-circuits AND/OR only where it branches on a condition, not in a THEN value, and
    the tests put their cheapest, most selective term first."""
    from sqlalchemy import case

    from engine.conditions.sql import customers, definite

    default = resolve_zone(None, ctx.default_timezone)
    zoned = []
    for name in ctx.zones():
        zone = resolve_zone(name, ctx.default_timezone)
        if zone.key == name and zone.key != default.key:
            zoned.append((name, zone))
    if not zoned:
        return build(default)
    branches = [(customers.c.timezone == name, definite(build(zone))) for name, zone in zoned]
    return case(*branches, else_=definite(build(default)))


def customer_zone(timezone_name: str | None, default: str) -> ZoneInfo:
    """Python twin of `per_zone`'s choice (a zone name that is not a tzdata key uses the default)."""
    zone = resolve_zone(timezone_name, default)
    return zone if zone.key == timezone_name else resolve_zone(None, default)


def shift(day: date, days: int) -> date:
    """The date `days` after `day`, clamped to the calendar's ends (huge rule values stay comparable)."""
    try:
        return day + timedelta(days=days)
    except OverflowError:
        return date.min if days < 0 else date.max


SLACK = timedelta(hours=30)
"""More than any UTC offset: an instant this far from a local midnight is on a known side of it."""


def _segments_near(segments: tuple[tuple[datetime, int], ...], moment: datetime) -> tuple[tuple[datetime, int], ...]:
    try:
        low, high = moment - SLACK, moment + SLACK
    except OverflowError:
        low = high = moment
    near = tuple(
        segment for index, segment in enumerate(segments)
        if segment[0] < high and (index + 1 == len(segments) or segments[index + 1][0] > low)
    )
    return near or segments[:1]


def since_local_midnight_sql(column: ColumnElement[Any], zone: ZoneInfo, day: date, after: bool) -> ColumnElement[bool]:
    """SQL: a stored UTC time is at/after (`after`) or before the start of `day` in `zone`, that is
    `utc + offset(utc) >= day 00:00`. Exact like `astimezone`, and usually one range test on the column
    (`created_at >= '2026-11-08 23:00'`): only offsets in force within a day of that midnight can matter, so
    the CASE over offset changes appears only when a DST change is that close. Exact in any year."""
    from sqlalchemy import case, literal

    midnight = datetime(day.year, day.month, day.day)

    def side(segments: tuple[tuple[datetime, int], ...]) -> ColumnElement[bool]:
        if len(segments) == 1:
            threshold = literal(midnight - timedelta(seconds=segments[0][1]), column.type)
            return column >= threshold if after else column < threshold
        middle = len(segments) // 2
        pivot = literal(segments[middle][0], column.type)
        return case((column < pivot, side(segments[:middle])), else_=side(segments[middle:]))

    around = offset_segments(zone.key, max(day.year - 1, 1), min(day.year + 1, 9998))
    return side(_segments_near(around, midnight))


DATETIME_FIELDS = ("created_at", "last_active_at")
"""Built-in time columns (UTC instants, converted to the customer's zone). Other names are JSON attributes."""


def local_date_expr(field: str, zone: ZoneInfo, now: datetime) -> ColumnElement[str]:
    """SQL: the field's ISO local date in `zone`, NULL when missing or not a date."""
    from engine.conditions.compare import JsonKey, iso_date_prefix
    from engine.conditions.sql import customers

    if field in DATETIME_FIELDS:
        return local_date_sql(customers.c[field], zone, now)
    text = JsonKey(customers.c.attributes, field).project("string")
    assert text is not None  # a JSON key can always hold a string
    return iso_date_prefix(text)


def local_date_value(customer: Any, field: str, zone: ZoneInfo) -> str | None:
    """Python twin of `local_date_expr` for one loaded customer."""
    from engine.conditions.compare import ISO_DATE

    if field in DATETIME_FIELDS:
        stored = getattr(customer, field)
        return None if stored is None else local_date(stored, zone)
    value = (customer.attributes or {}).get(field)
    return value[:10] if isinstance(value, str) and ISO_DATE.match(value) else None
