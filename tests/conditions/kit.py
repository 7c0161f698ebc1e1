"""Test kit for conditions: put customers and events in a real store, then decide a condition both ways
(the SQL path over the whole table, the Python path per loaded customer)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, Engine, delete, insert, literal, select
from sqlalchemy.orm import Session

from engine.audience import audience_query
from engine.conditions import Condition, parse_condition
from engine.conditions.evaluate import EvalContext, Verdict
from engine.conditions.sql import SqlContext, customers, events
from engine.conditions.segment import Segment
from engine.store.models import Customer, Event
from engine.timeutil import as_utc, parse_instant, to_naive_utc

ACTIVITY = ("login", "purchase")


def stored_time(value: Any) -> datetime | None:
    """A YAML/JSON time (string, date or datetime) as the store keeps it: naive UTC."""
    if value is None:
        return None
    return to_naive_utc(parse_instant(value) if isinstance(value, str) else as_utc(value))


def json_value(value: Any) -> Any:
    """What a JSON column holds for a YAML value (dates written unquoted become ISO strings)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: json_value(item) for key, item in value.items()}
    if isinstance(value, list):
        return [json_value(item) for item in value]
    return value


def customer_row(index: int, spec: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "external_id": str(spec.get("external_id", f"c{index}")),
        "email": spec.get("email", f"c{index}@example.com"),
        "first_name": spec.get("first_name"),
        "last_name": spec.get("last_name"),
        "locale": spec.get("locale"),
        "timezone": spec.get("timezone"),
        "created_at": stored_time(spec.get("created_at", "2025-01-01T00:00:00Z")),
        "subscribed": spec.get("subscribed", True),
        "attributes": json_value(spec.get("attributes", {})),
        "last_active_at": stored_time(spec.get("last_active_at")),
    }


def load_store(connection: Connection, people: Sequence[Mapping[str, Any]]) -> list[int]:
    """Replace the store's customers and events with `people` (each may carry `events`); return their ids."""
    connection.execute(delete(events))
    connection.execute(delete(customers))
    ids = []
    for index, spec in enumerate(people, start=1):
        ids.append(connection.execute(insert(customers).values(customer_row(index, spec))).inserted_primary_key[0])
    rows = [
        {"customer_id": customer_id, "name": e["name"], "occurred_at": stored_time(e["at"]),
         "properties": json_value(e.get("properties", {}))}
        for customer_id, spec in zip(ids, people)
        for e in spec.get("events", ())
    ]
    if rows:
        connection.execute(insert(events), rows)
    return ids


@dataclass(frozen=True)
class Situation:
    """Everything besides the data that a decision depends on."""

    now: datetime
    segments: Mapping[str, Segment] = field(default_factory=dict)
    default_timezone: str = "UTC"
    activity_events: tuple[str, ...] = ACTIVITY
    enrolled_at: datetime | None = None

    def sql_context(self, connection: Connection) -> SqlContext:
        enrolled = None if self.enrolled_at is None else literal(to_naive_utc(self.enrolled_at), customers.c.created_at.type)
        return SqlContext(
            now=self.now, activity_events=self.activity_events, segments=self.segments,
            default_timezone=self.default_timezone, enrolled_at=enrolled,
        ).with_timezones(connection).with_statistics(connection)

    def eval_context(self, customer: Customer, customer_events: Sequence[Event]) -> EvalContext:
        return EvalContext(
            now=self.now, customer=customer, events=customer_events, activity_events=self.activity_events,
            segments=self.segments, default_timezone=self.default_timezone,
            enrolled_at=None if self.enrolled_at is None else to_naive_utc(self.enrolled_at),
        )


def segments_from(documents: Mapping[str, Any]) -> dict[str, Segment]:
    return {name: Segment(id=name, condition=parse_condition(body)) for name, body in documents.items()}


def sql_selection(engine: Engine, condition: Condition, situation: Situation) -> set[str]:
    """External ids the SQL path selects (one audience query)."""
    with engine.connect() as connection:
        ids = select(customers.c.external_id).where(customers.c.id.in_(audience_query(condition, situation.sql_context(connection))))
        return set(connection.execute(ids).scalars())


def python_verdicts(engine: Engine, condition: Condition, situation: Situation) -> dict[str, Verdict]:
    """Each stored customer's verdict from the Python path."""
    with Session(engine) as session:
        verdicts = {}
        for customer in session.scalars(select(Customer).order_by(Customer.id)):
            found = session.scalars(select(Event).where(Event.customer_id == customer.id).order_by(Event.id)).all()
            verdicts[customer.external_id] = condition.evaluate(situation.eval_context(customer, found))
        return verdicts
