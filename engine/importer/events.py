"""Events files: the column contract, one row to an `events` record, and the batch insert.

Rows name their customer by external id; each batch resolves its ids with one query. Events of unknown
customers are counted and reported, never silently dropped. Events are idempotent: each has a key unique per
customer (its `event_id`, or its content key when the row gives none, engine/store/event_keys.py), and an event
whose key is already stored is skipped and counted as a duplicate, so importing a file twice changes nothing.
After inserting a batch, one UPDATE recomputes `customers.last_active_at` (latest configured activity event)
for the customers that batch touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, select, update

from engine.importer import values as v
from engine.importer.columns import Contract, given
from engine.importer.report import ImportReport
from engine.store.members import member_of
from engine.store.event_keys import content_key
from engine.store.models import Customer, Event
from engine.store.upsert import upsert

CONTRACT = Contract(
    kind="events",
    required=("customer_id", "name", "occurred_at"),
    optional=("event_id", "properties"),
    extra_into="properties",
)

def parse(values: dict[str, Any], *, typed_strings: bool) -> dict[str, Any]:
    """An event record keyed by the customer's external id (resolved to the store's id per batch)."""
    record: dict[str, Any] = {
        "customer": v.required_text("customer_id", values.get("customer_id"), max_length=255),
        "name": v.required_text("name", values.get("name"), max_length=128),
        "occurred_at": v.instant("occurred_at", values.get("occurred_at")),
    }
    record["properties"] = CONTRACT.document(values, typed_strings=typed_strings)
    given_id = values.get("event_id")
    record["event_id"] = (
        v.text("event_id", given_id, max_length=255) if given(given_id)
        else content_key(record["name"], record["occurred_at"], record["properties"])
    )
    return record


class EventWriter:
    """Inserts batches of events on one connection, inside the import's transaction."""

    def __init__(self, connection: Connection, report: ImportReport, activity_events: Iterable[str]) -> None:
        self.connection = connection
        self.report = report
        self.activity_events = tuple(activity_events)
        customers, events = Customer.__table__.c, Event.__table__.c
        latest_activity = (
            select(func.max(events.occurred_at))
            .where(events.customer_id == customers.id, events.name.in_(self.activity_events))
            .scalar_subquery()
        )
        dialect = connection.dialect.name
        # RETURNING says which rows were new: an executemany's rowcount is -1 on psycopg.
        self._insert_new = upsert(dialect, Event.__table__, key=("customer_id", "event_id")).returning(events.id)
        self._touch_activity = (
            update(Customer.__table__)
            .where(member_of(customers.id, "ids", dialect))
            .values(last_active_at=latest_activity)
        )
        self._lookup = select(customers.external_id, customers.id).where(
            member_of(customers.external_id, "ids", dialect)
        )

    def close(self) -> None:
        pass

    def write(self, batch: list[tuple[int, dict[str, Any]]], *, store: bool) -> None:
        ids = self._resolve({record["customer"] for _, record in batch})
        rows = []
        for line, record in batch:
            customer_id = ids.get(record["customer"])
            if customer_id is None:
                self.report.unknown_customer(line, record["customer"])
                continue
            rows.append(
                {
                    "customer_id": customer_id,
                    "name": record["name"],
                    "occurred_at": record["occurred_at"],
                    "properties": record["properties"],
                    "event_id": record["event_id"],
                }
            )
        if not store or not rows:
            self.report.imported += len(rows)
            return
        inserted = len(self.connection.execute(self._insert_new, rows).all())
        self.report.imported += inserted
        self.report.duplicates += len(rows) - inserted
        active = {row["customer_id"] for row in rows if row["name"] in self.activity_events}
        if active:
            self.connection.execute(self._touch_activity, {"ids": sorted(active)})

    def _resolve(self, external_ids: set[str]) -> dict[str, int]:
        """Store ids of the customers a batch names, with one query per batch."""
        rows = self.connection.execute(self._lookup, {"ids": sorted(external_ids)})
        return {external_id: id_ for external_id, id_ in rows}
