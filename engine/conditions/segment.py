"""`segment`: a named, reusable condition defined in `segments/<name>.yaml`.

    segment: engaged

Resolved through the context at compile/evaluate time, so one segment edit changes every campaign using it.
SQL: the segment's condition is inlined. A segment that reaches itself (a -> b -> a) raises SegmentError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from engine.errors import InvalidInput
from engine.conditions.base import Condition
from engine.conditions.evaluate import Verdict, outcome

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement

    from engine.conditions.evaluate import EvalContext
    from engine.conditions.sql import SqlContext


@dataclass(frozen=True)
class Segment:
    """A named condition from `segments/<id>.yaml`, referenced by `segment: <id>` in any condition tree."""

    id: str
    condition: Condition
    description: str = ""
    source: str = ""


class SegmentError(InvalidInput, ValueError):
    """An unknown segment, or segments that include each other."""


@dataclass(frozen=True)
class SegmentCondition(Condition):
    kind = "segment"
    name: str

    @classmethod
    def parse(cls, body: Any) -> "SegmentCondition":
        return cls(str(body))

    def resolve(self, segments: Mapping[str, object], path: tuple[str, ...]) -> Condition:
        if self.name in path:
            raise SegmentError(f"segments include each other: {' -> '.join((*path, self.name))}")
        segment = segments.get(self.name)
        if not isinstance(segment, Segment):
            raise SegmentError(f"unknown segment {self.name!r}; known: {', '.join(sorted(segments)) or 'none'}")
        return segment.condition

    def needs_timezones(self, segments: Mapping[str, object], seen: frozenset[str] = frozenset()) -> bool:
        segment = segments.get(self.name)
        if self.name in seen or not isinstance(segment, Segment):
            return False  # a cycle or an unknown name is reported by the checks, not here
        return segment.condition.needs_timezones(segments, seen | {self.name})

    def conjuncts(self, ctx: "SqlContext") -> tuple[Condition, ...]:
        return self.resolve(ctx.segments, ctx.segment_path).conjuncts(ctx.inside_segment(self.name))

    def to_sql(self, ctx: "SqlContext") -> "ColumnElement[bool]":
        return self.resolve(ctx.segments, ctx.segment_path).to_sql(ctx.inside_segment(self.name))

    def evaluate(self, ctx: "EvalContext") -> Verdict:
        child = self.resolve(ctx.segments, ctx.segment_path).evaluate(ctx.inside_segment(self.name))
        return Verdict(child.passed, self.kind, f"segment {self.name}: {outcome(child.passed)}", children=(child,))
