"""`anniversary`: the month and day of a date field fall today, or within the next N days, in the customer's
timezone. Feb 29 dates are celebrated on Feb 28 in non-leap years.

    anniversary: {field: birthday, within: 7d}     # today .. today + 7 days
    anniversary: {field: created_at}               # today only; `min_years: 1` skips the signup day itself
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine.conditions.base import Condition
from engine.timeutil import parse_duration


@dataclass(frozen=True)
class AnniversaryCondition(Condition):
    kind = "anniversary"
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
