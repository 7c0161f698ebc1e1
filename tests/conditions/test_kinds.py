"""The condition kinds as a family: each compiles and evaluates itself, segments resolve and detect cycles."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from engine.conditions import KINDS, parse_condition
from engine.conditions.base import Condition
from engine.conditions.evaluate import EvalContext
from engine.conditions.segment import SegmentError
from engine.conditions.sql import SqlContext
from engine.conditions.segment import Segment
from engine.store.models import Customer

NOW = datetime(2026, 11, 23, 9, tzinfo=timezone.utc)


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_kind_overrides_to_sql_and_evaluate(kind: str) -> None:
    cls = KINDS[kind]
    assert cls.to_sql is not Condition.to_sql, f"{cls.__name__} does not compile to SQL"
    assert cls.evaluate is not Condition.evaluate, f"{cls.__name__} does not evaluate in Python"
    assert cls.__module__ == f"engine.conditions.{'logic' if kind in ('all', 'any', 'not') else kind}"


def _segments(**documents) -> dict[str, Segment]:
    return {name: Segment(id=name, condition=parse_condition(body)) for name, body in documents.items()}


CYCLE = _segments(a={"all": [{"subscribed": True}, {"segment": "b"}]}, b={"any": [{"segment": "a"}]})


def test_segment_cycle_is_reported_in_sql() -> None:
    ctx = SqlContext(now=NOW, activity_events=(), segments=CYCLE, timezones=())
    with pytest.raises(SegmentError, match="segments include each other: a -> b -> a"):
        parse_condition({"segment": "a"}).to_sql(ctx)


def test_segment_cycle_is_reported_in_python() -> None:
    customer = Customer(external_id="c", email="c@example.com", created_at=NOW.replace(tzinfo=None),
                        subscribed=True, attributes={})
    ctx = EvalContext(now=NOW, customer=customer, events=[], activity_events=(), segments=CYCLE)
    with pytest.raises(SegmentError, match="segments include each other: b -> a -> b"):
        parse_condition({"segment": "b"}).evaluate(ctx)


def test_unknown_segment_names_the_known_ones() -> None:
    ctx = SqlContext(now=NOW, activity_events=(), segments=CYCLE, timezones=())
    with pytest.raises(SegmentError, match="unknown segment 'c'; known: a, b"):
        parse_condition({"segment": "c"}).to_sql(ctx)


def test_attribute_names_with_double_quotes_are_refused() -> None:
    ctx = SqlContext(now=NOW, activity_events=(), segments={}, timezones=())
    with pytest.raises(ValueError, match="cannot contain a double quote"):
        parse_condition({"attribute": {"name": 'say "hi"', "eq": 1}}).to_sql(ctx)


def test_every_kind_and_operator_is_documented() -> None:
    from pathlib import Path

    from engine.conditions.base import OPERATORS

    text = (Path(__file__).resolve().parents[2] / "docs" / "conditions.md").read_text()
    assert [kind for kind in KINDS if f"| `{kind}` |" not in text] == []
    assert [kind for kind in KINDS if kind not in ("all", "any", "not") and f"### `{kind}`" not in text] == []
    assert [op for op in OPERATORS if f"`{op}`" not in text] == []
