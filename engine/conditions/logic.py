"""`all`, `any` and `not`: the connectives that compose conditions.

SQL: AND / OR / NOT. `not` first turns its child's NULL ("unknown", e.g. a comparison with a missing
attribute) into false, so `not` is the exact complement of its child, as in Python. Python evaluation visits
every child (no short circuit) so `rekindle explain` shows the whole tree.
"""

from __future__ import annotations

from dataclasses import dataclass
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any, ClassVar

from engine.conditions.base import Condition
from engine.conditions.evaluate import Verdict, outcome

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext
    from engine.conditions.sql import SqlContext


def _tally(verdicts: tuple[Verdict, ...]) -> str:
    passed = sum(verdict.passed for verdict in verdicts)
    return f"{passed} of {len(verdicts)} passed"


@dataclass(frozen=True)
class _Connective(Condition):
    """`all` and `any`: a list of children combined by one SQL operator and its Python twin."""

    items: tuple[Condition, ...]
    label: ClassVar[str]

    # Set by each connective: SQLAlchemy's and_/or_ and true/false (imported when compiling), all/any.
    @staticmethod
    def sql_operator(first: "ColumnElement[bool]", /, *rest: "ColumnElement[bool]") -> "ColumnElement[bool]":
        """The SQL operator over the children's expressions."""
        raise NotImplementedError

    @staticmethod
    def sql_empty() -> "ColumnElement[bool]":
        """The SQL value of an empty list of children."""
        raise NotImplementedError

    @staticmethod
    def decide(passed: Iterable[bool], /) -> bool:
        """The Python twin of `sql_operator`."""
        raise NotImplementedError

    @classmethod
    def parse(cls, body: Any) -> "_Connective":
        from engine.conditions import parse_condition

        return cls(tuple(parse_condition(item) for item in body))

    def children(self) -> tuple[Condition, ...]:
        return self.items

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        if not self.items:
            return self.sql_empty()
        return self.sql_operator(*(item.to_sql(ctx) for item in self.items))

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        verdicts = tuple(item.evaluate(ctx) for item in self.items)
        passed = self.decide(verdict.passed for verdict in verdicts)
        return Verdict(passed, self.kind, f"{self.label}: {_tally(verdicts)}: {outcome(passed)}", children=verdicts)


@dataclass(frozen=True)
class AllOf(_Connective):
    """True when every child is true (an empty list is true)."""

    kind = "all"
    decide = staticmethod(all)
    label = "all of"

    def conjuncts(self, ctx: "SqlContext") -> tuple[Condition, ...]:
        return tuple(conjunct for item in self.items for conjunct in item.conjuncts(ctx))

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        """The children ANDed, after choosing (for PostgreSQL) which event counts of the whole conjunction are
        probed per customer: that needs every conjunct, including those inside nested `all`s and segments."""
        from engine.conditions.event import plan_probes

        return super().to_sql(plan_probes(self.conjuncts(ctx), ctx))

    @staticmethod
    def sql_operator(first: "ColumnElement[bool]", /, *rest: "ColumnElement[bool]") -> "ColumnElement[bool]":
        from sqlalchemy import and_

        return and_(first, *rest)

    @staticmethod
    def sql_empty() -> "ColumnElement[bool]":
        from sqlalchemy import true

        return true()


@dataclass(frozen=True)
class AnyOf(_Connective):
    """True when at least one child is true (an empty list is false)."""

    kind = "any"
    decide = staticmethod(any)
    label = "any of"

    @staticmethod
    def sql_operator(first: "ColumnElement[bool]", /, *rest: "ColumnElement[bool]") -> "ColumnElement[bool]":
        from sqlalchemy import or_

        return or_(first, *rest)

    @staticmethod
    def sql_empty() -> "ColumnElement[bool]":
        from sqlalchemy import false

        return false()


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
        from engine.conditions.sql import negate

        return negate(self.item.to_sql(ctx))

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        child = self.item.evaluate(ctx)
        passed = not child.passed
        return Verdict(passed, self.kind, f"not: child {outcome(child.passed)}ed: {outcome(passed)}",
                       children=(child,))
