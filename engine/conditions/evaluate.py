"""Evaluating conditions in Python for one customer: the EvalContext every `evaluate` receives and the
Verdict it returns (used by `rekindle explain`, and by the tests that prove Python and SQL agree)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any, Protocol


class CustomerRecord(Protocol):
    """What evaluation reads from a customer (an `engine.store.models.Customer` row satisfies it)."""

    email: str
    first_name: str | None
    last_name: str | None
    locale: str | None
    timezone: str | None
    created_at: datetime
    subscribed: bool
    attributes: dict[str, Any]
    last_active_at: datetime | None


class EventRecord(Protocol):
    """What evaluation reads from an event (an `engine.store.models.Event` row satisfies it)."""

    name: str
    occurred_at: datetime
    properties: dict[str, Any]


@dataclass(frozen=True)
class EvalContext:
    """One customer and their events at instant `now` (aware UTC). Stored times are naive UTC, as in the
    database. `enrolled_at` is when the customer entered the campaign (None: not enrolled)."""

    now: datetime
    customer: CustomerRecord
    events: Sequence[EventRecord]
    activity_events: tuple[str, ...]
    #: The project's segments by id, carried for the `segment` kind, which alone reads them.
    segments: Mapping[str, object]
    default_timezone: str = "UTC"
    enrolled_at: datetime | None = None
    segment_path: tuple[str, ...] = field(default=())

    def inside_segment(self, name: str) -> "EvalContext":
        return replace(self, segment_path=(*self.segment_path, name))


@dataclass(frozen=True)
class Verdict:
    """The outcome of one condition node: whether it passed, a sentence saying why, the value that decided it
    and the verdicts of its children (for all/any/not/segment)."""

    passed: bool
    kind: str
    description: str
    decided_by: Any = None
    children: tuple["Verdict", ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "passed": self.passed,
            "description": self.description,
            "decided_by": _json_safe(self.decided_by),
            "children": [child.to_dict() for child in self.children],
        }


def _json_safe(value: Any) -> Any:
    if isinstance(value, (datetime, date)):
        return value.isoformat()
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    return value


def outcome(passed: bool) -> str:
    """The word every description ends with."""
    return "pass" if passed else "fail"
