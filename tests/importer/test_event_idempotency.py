"""Events are idempotent (issue 10, item 6): each has a key unique per customer, its `event_id` or its content
key, so importing the same file twice, or a file that repeats itself, changes nothing."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select, text

from engine.store import migrate
from engine.store.database import open_engine
from engine.store.event_keys import content_key
from engine.store.models import Event

if TYPE_CHECKING:
    from conftest import Project

CUSTOMERS = "id,email\nc1,a@example.com\nc2,b@example.com\n"
EVENTS = (
    "customer_id,name,occurred_at,event_id,amount\n"
    "c1,purchase,2026-11-20T10:00:00Z,ord-1,42.50\n"
    "c1,purchase,2026-11-20T10:00:00Z,ord-2,42.50\n"  # the same content, but its own id: a second purchase
    "c1,login,2026-11-21T08:00:00Z,,\n"
    "c2,login,2026-11-21T08:00:00Z,,\n"  # the same content as the line above, another customer
)


def imported(project: Project, name: str, content: str, *args: str) -> str:
    result = project.rekindle("import", "events", str(project.write(name, content)), *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_importing_the_same_file_twice_changes_nothing(project: Project) -> None:
    assert project.rekindle("import", "customers", str(project.write("customers.csv", CUSTOMERS))).exit_code == 0
    path = project.root / "events.csv"
    assert imported(project, "events.csv", EVENTS) == f"Imported 4 event rows from {path}.\n"
    first = project.events("id", "customer_id", "name", "occurred_at", "properties", "event_id")
    assert imported(project, "events.csv", EVENTS) == (
        f"Imported 0 event rows from {path} (4 already in the store, skipped).\n"
    )
    assert project.events("id", "customer_id", "name", "occurred_at", "properties", "event_id") == first
    assert [row[5] for row in first] == [
        "ord-1", "ord-2",
        content_key("login", datetime(2026, 11, 21, 8), {}), content_key("login", datetime(2026, 11, 21, 8), {}),
    ]


def test_a_file_that_repeats_an_event_stores_it_once_across_batches(project: Project) -> None:
    assert project.rekindle("import", "customers", str(project.write("customers.csv", CUSTOMERS))).exit_code == 0
    rows = "customer_id,name,occurred_at,event_id\n" + "c1,login,2026-11-21T08:00:00Z,\n" * 3 + "c1,login,2026-11-22,k\n" * 2
    out = imported(project, "events.csv", rows, "--batch-size", "2")
    assert out == f"Imported 2 event rows from {project.root / 'events.csv'} (3 already in the store, skipped).\n"
    assert project.events("name", "occurred_at", "event_id") == [
        ("login", datetime(2026, 11, 21, 8), content_key("login", datetime(2026, 11, 21, 8), {})),
        ("login", datetime(2026, 11, 22), "k"),
    ]


def test_the_content_key_covers_name_time_and_properties(project: Project) -> None:
    assert project.rekindle("import", "customers", str(project.write("customers.csv", CUSTOMERS))).exit_code == 0
    first = "customer_id,name,occurred_at,sku\nc1,purchase,2026-11-20T10:00:00Z,A\n"
    imported(project, "a.csv", first)
    # Another property value, another time (one microsecond later), another name: three new events.
    imported(project, "b.csv", "customer_id,name,occurred_at,sku\nc1,purchase,2026-11-20T10:00:00Z,B\n"
                               "c1,purchase,2026-11-20T10:00:00.000001Z,A\nc1,refund,2026-11-20T10:00:00Z,A\n")
    # The same event written another way (JSON Lines, an offset) is the same event.
    again = '{"customer_id": "c1", "name": "purchase", "occurred_at": "2026-11-20T11:00:00+01:00", "sku": "A"}\n'
    out = imported(project, "c.jsonl", again)
    assert out == f"Imported 0 event rows from {project.root / 'c.jsonl'} (1 already in the store, skipped).\n"
    assert len(project.events("id")) == 4


def test_an_event_id_that_is_not_a_single_line_is_rejected_with_its_location(project: Project) -> None:
    assert project.rekindle("import", "customers", str(project.write("customers.csv", CUSTOMERS))).exit_code == 0
    path = project.write("events.jsonl", '{"customer_id": "c1", "name": "x", "occurred_at": "2026-11-20", '
                                         '"event_id": "a\\nb"}\n')
    result = project.rekindle("import", "events", str(path))
    assert result.exit_code == 1
    assert f"{path}:1:1: I405 event_id contains a line break or control character" in result.output


def test_the_migration_keys_existing_events_and_keeps_earlier_doubles(store_url: str) -> None:
    """Events stored before revision 0015 get their content key; rows the old importer doubled stay (with the
    later twin's key made distinct), and a re-import of the original file still adds nothing."""
    engine = open_engine(store_url)
    migrate.upgrade(engine, "0002")
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO customers (external_id, email, created_at, subscribed, attributes) "
                                "VALUES ('c1', 'a@example.com', '2026-01-01 00:00:00', true, '{}')"))
        for _ in range(2):
            connection.execute(text("INSERT INTO events (customer_id, name, occurred_at, properties) "
                                    "VALUES (1, 'login', '2026-11-21 08:00:00', '{\"n\": 1}')"))
    migrate.upgrade(engine)
    with engine.connect() as connection:
        keys = connection.execute(select(Event.id, Event.event_id).order_by(Event.id)).all()
    key = content_key("login", datetime(2026, 11, 21, 8), {"n": 1})
    assert [tuple(row) for row in keys] == [(1, key), (2, f"{key}#2")]
    engine.dispose()
