"""`days_since`: whole days (in the customer's timezone) since a date field, compared with a number.

    days_since: {field: created_at, between: [14, 21]}

`field` is `created_at` or a date/datetime attribute such as `trial_started_at`. Missing dates never match.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.conditions.base import Comparison, Condition


@dataclass(frozen=True)
class DaysSinceCondition(Condition):
    kind = "days_since"
    field: str
    comparison: Comparison

    @classmethod
    def parse(cls, body: Any) -> "DaysSinceCondition":
        return cls(body["field"], Comparison.from_mapping(body))
