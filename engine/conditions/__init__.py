"""Condition kinds of the rule language, one module each, and `parse_condition` to build a tree."""

from __future__ import annotations

from typing import Any

from engine.conditions.aggregate import AggregateCondition
from engine.conditions.anniversary import AnniversaryCondition
from engine.conditions.attribute import AttributeCondition
from engine.conditions.base import Comparison, Condition
from engine.conditions.days_since import DaysSinceCondition
from engine.conditions.event import EventCondition
from engine.conditions.inactive import InactiveCondition
from engine.conditions.last_event import LastEventCondition
from engine.conditions.logic import AllOf, AnyOf, Not
from engine.conditions.segment import SegmentCondition
from engine.conditions.subscribed import SubscribedCondition

KINDS: dict[str, type[Condition]] = {
    cls.kind: cls
    for cls in (
        AllOf,
        AnyOf,
        Not,
        AttributeCondition,
        EventCondition,
        InactiveCondition,
        DaysSinceCondition,
        AnniversaryCondition,
        SubscribedCondition,
        SegmentCondition,
        AggregateCondition,
        LastEventCondition,
    )
}


def parse_condition(node: Any) -> Condition:
    """Build a condition tree from a schema-validated mapping with exactly one kind key."""
    if not isinstance(node, dict) or len(node) != 1:
        raise ValueError(f"a condition is a mapping with exactly one of: {', '.join(KINDS)}")
    (kind, body), = node.items()
    return KINDS[kind].parse(body)


__all__ = ["KINDS", "Comparison", "Condition", "parse_condition"]
