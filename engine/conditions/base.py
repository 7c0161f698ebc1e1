"""What every condition kind shares: the Condition interface and the Comparison operators.

Each kind lives in its own module with three things side by side: how it is parsed from a validated rule
document, how it compiles to SQL (the audience path), and how it evaluates in Python for one customer
(the `explain` path). Keeping them together is what lets a test prove both paths agree.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING, Any, ClassVar

if TYPE_CHECKING:  # the compile/evaluate contexts live with the SQL and Python evaluators
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext, Verdict
    from engine.conditions.sql import SqlContext

OPERATORS = ("eq", "ne", "lt", "lte", "gt", "gte", "in", "not_in", "exists", "contains", "between")
"""Comparison operators, in the order the docs list them. Exactly one appears in a comparison."""


@dataclass(frozen=True)
class Comparison:
    """`op` applied with `value`: `in`/`not_in` take a list, `between` a [low, high] pair (inclusive),
    `exists` a boolean (true: the value is present and not null)."""

    op: str
    value: Any

    @classmethod
    def from_mapping(cls, body: dict[str, Any]) -> "Comparison":
        ops = [key for key in body if key in OPERATORS]
        if len(ops) != 1:
            raise ValueError(f"expected exactly one of {', '.join(OPERATORS)}; got {ops or 'none'}")
        return cls(ops[0], body[ops[0]])

    def describe(self) -> str:
        symbols = {"eq": "=", "ne": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}
        if self.op in symbols:
            return f"{symbols[self.op]} {self.value!r}"
        return f"{self.op} {self.value!r}"


class Condition(ABC):
    """A node of a condition tree. `kind` is the key that introduces it in YAML (`attribute`, `event`, ...)."""

    kind: ClassVar[str]
    #: Whether compiling this kind needs the customers' time zones (SqlContext.with_timezones reads them once
    #: per audience with a SELECT DISTINCT over customers, so only trees that need them pay for it).
    zoned: ClassVar[bool] = False

    @classmethod
    @abstractmethod
    def parse(cls, body: Any) -> "Condition":
        """Build the node from the value under its key in an already schema-validated document."""

    # Every kind overrides both; tests/conditions check that each does and that the two agree.
    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        """A boolean SQL expression over the customers table (correlated subqueries for events)."""
        raise NotImplementedError(f"{type(self).__name__}.to_sql")

    def evaluate(self, ctx: "EvalContext") -> "Verdict":
        """Evaluate for one customer in Python, with the value that decided it (for `rekindle explain`)."""
        raise NotImplementedError(f"{type(self).__name__}.evaluate")

    def children(self) -> tuple["Condition", ...]:
        return ()

    def narrows(self) -> bool:
        """Whether this condition alone keeps only a small share of the customers, by a test on the customer row
        (a date window of a few weeks at most). On PostgreSQL, event counts beside it in a conjunction are then
        probed per remaining customer rather than counted for every customer (engine.conditions.event)."""
        return False

    def conjuncts(self, ctx: "SqlContext") -> tuple["Condition", ...]:
        """The conditions that must all hold for this one to hold, through `all` and segments: itself for a leaf."""
        return (self,)

    def walk(self) -> Iterator["Condition"]:
        """This node and every descendant, depth first (used by semantic checks, e.g. unknown segments)."""
        yield self
        for child in self.children():
            yield from child.walk()

    def needs_timezones(self, segments: Mapping[str, object], seen: frozenset[str] = frozenset()) -> bool:
        """Whether compiling this tree (through the segments it names) needs the customers' time zones.
        A kind declares it with `zoned = True`; a kind that refers to other trees overrides this."""
        return self.zoned or any(child.needs_timezones(segments, seen) for child in self.children())
