"""`anniversary`: the month and day of a date field fall today, or within the next N days, in the customer's
timezone. Feb 29 dates are celebrated on Feb 28 in non-leap years.

    anniversary: {field: birthday, within: 7d}     # today .. today + 7 days (whole days, both ends)
    anniversary: {field: created_at}               # today only; `min_years: 1` skips the signup day itself

`field` is `created_at`, `last_active_at` or a date attribute ("1990-05-17"). The anniversary on day D counts
D's year minus the field's year; it must be at least `min_years` (default 0, so the date itself counts, but a
date after D never does).

SQL: for each day D of the window (computed in Python from the zone's today) the month-day strings celebrated
on D ('02-28' also celebrates '02-29' in non-leap years) and the latest birth year; the field's ISO local
date is then tested with `substr(local, 6, 5) IN (...) AND substr(local, 1, 4) <= year`, per timezone.
"""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

from engine.conditions.base import Condition
from engine.conditions.compare import JsonKey
from engine.conditions.dates import (
    DATETIME_FIELDS,
    customer_zone,
    local_date_expr,
    local_date_value,
    local_today,
    per_zone,
)
from engine.conditions.evaluate import Verdict, outcome
from engine.timeutil import format_duration, parse_duration

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext
    from engine.conditions.sql import SqlContext


def celebrated_on(day: date) -> tuple[str, ...]:
    """Month-day strings whose anniversary falls on `day`."""
    month_day = f"{day:%m-%d}"
    if month_day == "02-28" and not calendar.isleap(day.year):
        return (month_day, "02-29")
    return (month_day,)


def window_terms(today: date, days: int, min_years: int) -> dict[str, tuple[str, ...]]:
    """{latest field year (4 digits): month-days} over the window, grouped by year so the SQL stays short."""
    grouped: dict[str, list[str]] = {}
    for offset in range(days + 1):
        day = today + timedelta(days=offset)
        grouped.setdefault(f"{day.year - min_years:04d}", []).extend(celebrated_on(day))
    return {year: tuple(dict.fromkeys(month_days)) for year, month_days in grouped.items()}


@dataclass(frozen=True)
class AnniversaryCondition(Condition):
    kind = "anniversary"
    zoned = True  # "days" are counted in the customer's own calendar
    field: str
    within: timedelta = timedelta(0)
    min_years: int = 0

    @classmethod
    def parse(cls, body: Any) -> "AnniversaryCondition":
        return cls(
            field=body["field"],
            within=parse_duration(body["within"]) if "within" in body else timedelta(0),
            min_years=int(body.get("min_years", 0)),
        )

    def narrows(self) -> bool:
        return True  # a window of days around one date a year

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        from sqlalchemy import and_, func, or_

        from engine.conditions.sql import byte_order, customers

        def in_zone(zone) -> "ColumnElement[bool]":
            local = local_date_expr(self.field, zone, ctx.now)
            terms = window_terms(local_today(ctx.now, zone), self.within.days, self.min_years)
            month_day, year = func.substr(local, 6, 5), byte_order(func.substr(local, 1, 4))
            exact = or_(*(and_(month_day.in_(days), year <= latest) for latest, days in terms.items()))
            if self.field in DATETIME_FIELDS:
                return exact
            # Date attributes: first the cheap, selective test on the raw text (about 1 row in 365 passes),
            # then the exact one that also checks it is a JSON string shaped like a date.
            raw_month_day = func.substr(JsonKey(customers.c.attributes, self.field).text(), 6, 5)
            return and_(raw_month_day.in_([day for days in terms.values() for day in days]), exact)

        return per_zone(ctx, in_zone)

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        zone = customer_zone(ctx.customer.timezone, ctx.default_timezone)
        local = local_date_value(ctx.customer, self.field, zone)
        today = local_today(ctx.now, zone)
        terms = window_terms(today, self.within.days, self.min_years)
        passed = local is not None and any(
            local[5:10] in days and local[:4] <= latest for latest, days in terms.items()
        )
        window = f"today ({today} {zone.key})" if not self.within.days else (
            f"{today} .. {today + timedelta(days=self.within.days)} ({format_duration(self.within)}, {zone.key})")
        years = f", at least {self.min_years} years" if self.min_years else ""
        description = f"{self.field} {local or 'missing'}; wanted its anniversary {window}{years}: {outcome(passed)}"
        return Verdict(passed, self.kind, description, decided_by=local)
