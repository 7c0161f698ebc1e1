"""`subscribed`: the customer's marketing subscription status.

    subscribed: true

Unsubscribed and suppressed addresses are never mailed whatever the rules say; this condition exists so a
campaign's audience (and its counts) can say so explicitly. SQL: `customers.subscribed = <bool>`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.conditions.base import Condition
from engine.conditions.evaluate import Verdict, outcome

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext
    from engine.conditions.sql import SqlContext


@dataclass(frozen=True)
class SubscribedCondition(Condition):
    kind = "subscribed"
    subscribed: bool

    @classmethod
    def parse(cls, body: Any) -> "SubscribedCondition":
        return cls(bool(body))

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        from sqlalchemy import Boolean, literal

        from engine.conditions.sql import customers

        return customers.c.subscribed == literal(self.subscribed, Boolean())

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        actual = bool(ctx.customer.subscribed)
        passed = actual == self.subscribed
        state = "subscribed" if actual else "unsubscribed"
        return Verdict(passed, self.kind, f"customer is {state}; wanted subscribed: "
                       f"{str(self.subscribed).lower()}: {outcome(passed)}", decided_by=actual)
