"""`all`, `any` and `not`: the connectives that compose conditions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from engine.conditions.base import Condition


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
