"""`inactive`: no activity event (config `defaults.activity_events`) for at least a duration.

    inactive: {for: 90d}

Customers who were never active count from their `created_at` (documented policy: a customer who signed up
120 days ago and never logged in is inactive for 120 days).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from engine.conditions.base import Condition
from engine.timeutil import parse_duration


@dataclass(frozen=True)
class InactiveCondition(Condition):
    kind = "inactive"
    duration: timedelta

    @classmethod
    def parse(cls, body: Any) -> "InactiveCondition":
        return cls(parse_duration(body["for"]))
