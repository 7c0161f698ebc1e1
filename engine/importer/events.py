"""Events files: the column contract, one row to an `events` record, and the batch insert.

Rows name their customer by external id; each batch resolves its ids with one query. Events of unknown
customers are counted and reported, never silently dropped. After inserting a batch, one UPDATE recomputes
`customers.last_active_at` (latest configured activity event) for the customers that batch touched.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from engine.importer import values as v
from engine.importer.columns import Contract
from engine.importer.report import ImportReport
from engine.store.members import member_of
from engine.store.models import Customer, Event

CONTRACT = Contract(
    kind="events",
    required=("customer_id", "name", "occurred_at"),
    optional=("properties",),
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
                }
            )
        self.report.imported += len(rows)
        if not store or not rows:
            return
        self.connection.execute(insert(Event.__table__), rows)
        active = {row["customer_id"] for row in rows if row["name"] in self.activity_events}
        if active:
            self.connection.execute(self._touch_activity, {"ids": sorted(active)})

    def _resolve(self, external_ids: set[str]) -> dict[str, int]:
        """Store ids of the customers a batch names, with one query per batch."""
        rows = self.connection.execute(self._lookup, {"ids": sorted(external_ids)})
        return {external_id: id_ for external_id, id_ in rows}
