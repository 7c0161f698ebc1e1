"""`all`, `any` and `not`: the connectives that compose conditions.

SQL: AND / OR / NOT. `not` first turns its child's NULL ("unknown", e.g. a comparison with a missing
attribute) into false, so `not` is the exact complement of its child, as in Python. Python evaluation visits
every child (no short circuit) so `rekindle explain` shows the whole tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import and_, false, or_, true

from engine.conditions.base import Condition
from engine.conditions.evaluate import Verdict, outcome
from engine.conditions.sql import negate

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext
    from engine.conditions.sql import SqlContext


def _tally(verdicts: tuple[Verdict, ...]) -> str:
    passed = sum(verdict.passed for verdict in verdicts)
    return f"{passed} of {len(verdicts)} passed"


@dataclass(frozen=True)
class AllOf(Condition):
    """True when every child is true (an empty list is true)."""

    kind = "all"
    items: tuple[Condition, ...]

    @classmethod
    def parse(cls, body: Any) -> "AllOf":
        from engine.conditions import parse_condition

        return cls(tuple(parse_condition(item) for item in body))

    def children(self) -> tuple[Condition, ...]:
        return self.items

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        return and_(*(item.to_sql(ctx) for item in self.items)) if self.items else true()

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        verdicts = tuple(item.evaluate(ctx) for item in self.items)
        passed = all(verdict.passed for verdict in verdicts)
        return Verdict(passed, self.kind, f"all of: {_tally(verdicts)}: {outcome(passed)}", children=verdicts)


@dataclass(frozen=True)
class AnyOf(Condition):
    """True when at least one child is true (an empty list is false)."""

    kind = "any"
    items: tuple[Condition, ...]

    @classmethod
    def parse(cls, body: Any) -> "AnyOf":
        from engine.conditions import parse_condition

        return cls(tuple(parse_condition(item) for item in body))

    def children(self) -> tuple[Condition, ...]:
        return self.items

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        return or_(*(item.to_sql(ctx) for item in self.items)) if self.items else false()

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        verdicts = tuple(item.evaluate(ctx) for item in self.items)
        passed = any(verdict.passed for verdict in verdicts)
        return Verdict(passed, self.kind, f"any of: {_tally(verdicts)}: {outcome(passed)}", children=verdicts)


@dataclass(frozen=True)
class Not(Condition):
    """True when the child is false."""

    kind = "not"
    item: Condition

    @classmethod
    def parse(cls, body: Any) -> "Not":
        from engine.conditions import parse_condition

        return cls(parse_condition(body))

    def children(self) -> tuple[Condition, ...]:
        return (self.item,)

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        return negate(self.item.to_sql(ctx))

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        child = self.item.evaluate(ctx)
        passed = not child.passed
        return Verdict(passed, self.kind, f"not: child {outcome(child.passed)}ed: {outcome(passed)}",
                       children=(child,))
