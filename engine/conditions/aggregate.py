"""`aggregate`: the sum, average, minimum or maximum of a numeric event property, compared with a number.

    aggregate:
      event: purchase
      function: sum        # sum, avg, min, max
      property: amount
      within: 365d         # optional, as for `event`; so are `since: enrolled` and `where:`
      gt: 200              # exactly one of eq, ne, lt, lte, gt, gte, in, not_in, between

The events are chosen exactly as `event` chooses them (name, at or before `now`, `within`, `since`, `where`);
of those, only values of `property` that are JSON numbers count (text, booleans and missing values are left
out, as everywhere in conditions). `sum` over no numbers is 0, so "spent less than 50" includes customers who
never bought; `avg`, `min` and `max` over no numbers are missing and never match, whatever the operator.

SQL, on both databases: one grouped pass over the matching events, `customers.id IN (SELECT customer_id ...
GROUP BY customer_id HAVING sum(amount) > 200)`, read from the (name, occurred_at, customer_id) index; when
0 passes the test (`sum lt 50`), the customers that fail are excluded instead (`NOT IN ... HAVING NOT ...`),
so customers without events are counted as 0. `since: enrolled` refers to the outer query's enrolment row
and is a correlated scalar subquery. Python: the same aggregate over the customer's loaded events.
Sums of values such as 19.99 may differ in the last binary digit between the two paths (floating point
addition order); amounts written with at most a few decimals compare the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.conditions.base import Comparison, Condition
from engine.conditions.compare import Column, JsonKey, Operand, compare_sql, compare_value, kind_of
from engine.conditions.evaluate import Verdict, outcome
from engine.conditions.event import EventCondition, property_filters
from engine.timeutil import parse_duration

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext
    from engine.conditions.sql import SqlContext

FUNCTIONS = ("sum", "avg", "min", "max")
"""Each is the SQL function of the same name (`func.sum`, ...)."""


def aggregate_values(function: str, numbers: list[float]) -> float | None:
    """The aggregate in Python: sum of nothing is 0, the others of nothing are missing (None)."""
    if function == "sum":
        return math.fsum(numbers)
    if not numbers:
        return None
    if function == "avg":
        return math.fsum(numbers) / len(numbers)
    return min(numbers) if function == "min" else max(numbers)


@dataclass(frozen=True)
class AggregateCondition(Condition):
    kind = "aggregate"
    function: str
    property: str
    selection: EventCondition
    """Which events are aggregated: an `event` condition's name, window, since and property filters."""
    comparison: Comparison

    @classmethod
    def parse(cls, body: Any) -> "AggregateCondition":
        selection = EventCondition(
            name=body["event"],
            within=parse_duration(body["within"]) if "within" in body else None,
            since_enrolled=body.get("since") == "enrolled",
            where=property_filters(body),
        )
        return cls(body["function"], body["property"], selection, Comparison.from_mapping(body))

    def _zero_passes(self) -> bool:
        """Whether a customer without any matching number passes (only a sum has a value then: 0)."""
        return self.function == "sum" and compare_value(0.0, self.comparison, Operand())

    def _aggregate_sql(self) -> "ColumnElement[Any]":
        from sqlalchemy import func

        from engine.conditions.sql import events

        numbers = JsonKey(events.c.properties, self.property).project("number")
        assert numbers is not None  # a JSON key always has a numeric projection
        aggregated = getattr(func, self.function)(numbers)
        return func.coalesce(aggregated, 0.0) if self.function == "sum" else aggregated

    def _holds(self, aggregated: "ColumnElement[Any]") -> "ColumnElement[bool]":
        from sqlalchemy import and_

        test = compare_sql(Column(aggregated, "number"), self.comparison)
        return test if self.function == "sum" else and_(aggregated.is_not(None), test)

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        from sqlalchemy import false, select, true

        from engine.conditions.sql import customers, events, negate

        criteria = self.selection.criteria(ctx)
        if self.selection.since_enrolled:
            if ctx.enrolled_at is None:  # no enrolment, no events: the aggregate of nothing
                return true() if self._zero_passes() else false()
            correlated = (select(self._aggregate_sql()).where(events.c.customer_id == customers.c.id,
                                                              events.c.occurred_at >= ctx.enrolled_at, *criteria)
                          .scalar_subquery())
            return self._holds(correlated)
        per_customer = select(events.c.customer_id).where(*criteria).group_by(events.c.customer_id)
        holds = self._holds(self._aggregate_sql())
        if self._zero_passes():
            return customers.c.id.not_in(per_customer.having(negate(holds)))
        return customers.c.id.in_(per_customer.having(holds))

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        found = self.selection.matching(ctx)
        values = [(event.properties or {}).get(self.property) for event in found]
        numbers = [float(value) for value in values if isinstance(value, (int, float)) and kind_of(value) == "number"]
        value = aggregate_values(self.function, numbers)
        passed = value is not None and compare_value(value, self.comparison, Operand())
        shown = "missing" if value is None else f"{value:g}"
        description = (f"{self.function} of {self.property} over {self.selection.describe(ctx)}: {shown} "
                       f"({len(numbers)} value{'s' if len(numbers) != 1 else ''}); "
                       f"wanted {self.comparison.describe()}: {outcome(passed)}")
        return Verdict(passed, self.kind, description, decided_by=value)
