"""`event`: the customer has (or has not, under `not`) done something, optionally recently and often.

    event:
      name: purchase
      within: 30d          # only events in the last 30 days (omit: any time)
      since: enrolled      # only events after the customer entered this campaign (exit/goal/step conditions)
      count: {gte: 3}      # default: at least one
      where:               # property filters, all must hold
        - {name: amount, gte: 100}
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine.conditions.base import Comparison, Condition
from engine.timeutil import parse_duration

AT_LEAST_ONE = Comparison("gte", 1)


@dataclass(frozen=True)
class PropertyFilter:
    name: str
    comparison: Comparison


@dataclass(frozen=True)
class EventCondition(Condition):
    kind = "event"
    name: str
    within: timedelta | None = None
    since_enrolled: bool = False
    count: Comparison = AT_LEAST_ONE
    where: tuple[PropertyFilter, ...] = ()

    @classmethod
    def parse(cls, body: Any) -> "EventCondition":
        return cls(
            name=body["name"],
            within=parse_duration(body["within"]) if "within" in body else None,
            since_enrolled=body.get("since") == "enrolled",
            count=Comparison.from_mapping(body["count"]) if "count" in body else AT_LEAST_ONE,
            where=tuple(PropertyFilter(f["name"], Comparison.from_mapping(f)) for f in body.get("where", ())),
        )
