"""`subscribed`: the customer's marketing subscription status.

    subscribed: true

Unsubscribed and suppressed addresses are never mailed whatever the rules say; this condition exists so a
campaign's audience (and its counts) can say so explicitly.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.conditions.base import Condition


@dataclass(frozen=True)
class SubscribedCondition(Condition):
    kind = "subscribed"
    subscribed: bool

    @classmethod
    def parse(cls, body: Any) -> "SubscribedCondition":
        return cls(bool(body))
