"""A test case's store: an empty in-memory SQLite database built by the migrations, fed the case's customers and
events by the importer's own writers as the simulated clock reaches them.

Feeding rows as time passes matters: `last_active_at` is the latest activity event the store holds, so a login
written up front would make a customer active before it happened, and a win-back test could never enrol her.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.pool import StaticPool

from engine.importer.customers import CustomerWriter
from engine.importer.events import EventWriter
from engine.importer.report import ImportReport
from engine.ruletest.model import TestCase
from engine.store.database import open_engine
from engine.store.migrate import upgrade
from engine.timeutil import to_naive_utc


@contextmanager
def empty_store() -> Iterator[Connection]:
    """A connection to a new in-memory store at the latest schema revision; gone when the block ends."""
    engine = open_engine("sqlite://", poolclass=StaticPool)  # one shared connection: the database lives in it
    try:
        upgrade(engine)
        with engine.connect() as conn:
            yield conn
    finally:
        engine.dispose()


class Feed:
    """The case's rows in the order the clock reaches them: a customer at her `created_at` (or the first tick),
    an event at its `occurred_at`, and never before its customer."""

    def __init__(self, conn: Connection, case: TestCase, activity_events: tuple[str, ...]) -> None:
        self.report = ImportReport("customers", "<test>")
        first = to_naive_utc(case.at)
        self.customers = CustomerWriter(conn, self.report, first)
        self.events = EventWriter(conn, self.report, activity_events)
        arrival = {c["external_id"]: max(c.get("created_at", first), first) for c in case.customers}
        self.pending: list[tuple[datetime, str, dict[str, Any]]] = sorted(
            [(arrival[c["external_id"]], "0customer", c) for c in case.customers]
            + [(max(e["occurred_at"], arrival[e["customer"]]), "1event", e) for e in case.events],
            key=lambda item: (item[0], item[1]),
        )

    def until(self, now: datetime) -> None:
        """Write every row due at or before `now` (aware UTC), customers before their events."""
        limit = to_naive_utc(now)
        due = [item for item in self.pending if item[0] <= limit]
        self.pending = self.pending[len(due):]
        customers = [(0, record) for _, kind, record in due if kind == "0customer"]
        events = [(0, record) for _, kind, record in due if kind == "1event"]
        if customers:
            self.customers.write(customers, store=True)
        if events:
            self.events.write(events, store=True)

    def close(self) -> None:
        self.customers.close()
        self.events.close()
