"""`rekindle import events`: resolving customers per batch, unknown ids, properties, last_active_at."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import TYPE_CHECKING

import pytest
from sqlalchemy import event

from engine.importer.run import ImportOptions, import_file
from engine.importer.source import FileFormat

if TYPE_CHECKING:  # the fixtures come from conftest.py; this is only for the annotations
    from conftest import Project

CUSTOMERS = "id,email\nc1,a@example.com\nc2,b@example.com\nc3,c@example.com\n"


def with_customers(project: Project) -> None:
    result = project.rekindle("import", "customers", str(project.write("customers.csv", CUSTOMERS)))
    assert result.exit_code == 0, result.output


def test_events_land_with_typed_properties_and_utc_times(project: Project) -> None:
    with_customers(project)
    path = project.write(
        "events.csv",
        "customer_id,name,occurred_at,properties,amount,sku\n"
        'c1,purchase,2026-11-20T10:00:00-05:00,"{""coupon"": ""FALL"", ""items"": [1, 2]}",42.50,00123\n'
        "c2,login,2026-03-29T02:30:00+02:00,,,\n",
    )
    result = project.rekindle("import", "events", str(path))
    assert (result.exit_code, result.stdout) == (0, f"Imported 2 event rows from {path}.\n")
    assert project.events("customer_id", "name", "occurred_at", "properties") == [
        (1, "purchase", datetime(2026, 11, 20, 15), {"coupon": "FALL", "items": [1, 2], "amount": 42.5, "sku": "00123"}),
        (2, "login", datetime(2026, 3, 29, 0, 30), {}),
    ]


def test_last_active_at_is_the_latest_configured_activity_event(project: Project) -> None:
    with_customers(project)
    first = project.write(
        "first.csv",
        "customer_id,name,occurred_at\n"
        "c1,login,2026-11-01T08:00:00Z\n"
        "c1,purchase,2026-11-03T08:00:00Z\n"
        "c1,login,2026-11-02T08:00:00Z\n"  # out of order: the maximum still wins
        "c1,project_created,2026-11-20T08:00:00Z\n"  # not an activity event in the config
        "c2,feedback_submitted,2026-11-20T08:00:00Z\n",
    )
    assert project.rekindle("import", "events", str(first), "--batch-size", "2").exit_code == 0
    assert project.customers("external_id", "last_active_at") == [
        ("c1", datetime(2026, 11, 3, 8)), ("c2", None), ("c3", None)
    ]
    second = project.write(
        "second.csv",
        "customer_id,name,occurred_at\nc1,login,2026-10-01T00:00:00Z\nc3,purchase,2026-11-22T23:30:00-01:00\n",
    )
    assert project.rekindle("import", "events", str(second)).exit_code == 0
    assert project.customers("external_id", "last_active_at") == [
        ("c1", datetime(2026, 11, 3, 8)), ("c2", None), ("c3", datetime(2026, 11, 23, 0, 30))
    ]


def test_activity_events_come_from_the_config(project: Project) -> None:
    project.config.write_text(project.config.read_text().replace("[login, purchase]", "[project_created]"))
    with_customers(project)
    path = project.write(
        "events.csv", "customer_id,name,occurred_at\nc1,login,2026-11-05T00:00:00Z\nc1,project_created,2026-11-01\n"
    )
    assert project.rekindle("import", "events", str(path)).exit_code == 0
    assert project.customers("last_active_at")[0] == (datetime(2026, 11, 1),)


def test_events_of_unknown_customers_are_counted_and_located(project: Project) -> None:
    with_customers(project)
    rows = ["customer_id,name,occurred_at"]
    rows += [f"{cid},login,2026-11-0{day}T00:00:00Z" for day, cid in enumerate(
        ["c1", "x1", "x2", "c2", "x1", "x3", "x4", "x5", "x6"], start=1)]
    path = project.write("events.csv", "\n".join(rows) + "\n")
    result = project.rekindle("import", "events", str(path), "--batch-size", "4")
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:3:1: I406 7 events name customers that are not in the store: ids 'x1', 'x2', 'x3', 'x4', "
        "'x5', ... on lines 3, 4, 6, 7, 8, ...\n"
        "    hint: import those customers first, then import these events again\n"
        f"Imported 2 of 9 event rows from {path}: 7 rejected (7 for unknown customers).\n"
    )
    assert project.events("customer_id", "occurred_at") == [(1, datetime(2026, 11, 1)), (2, datetime(2026, 11, 4))]


def test_one_unknown_customer_reads_naturally(project: Project) -> None:
    path = project.write("events.csv", "customer_id,name,occurred_at\nghost,login,2026-11-01\n")
    result = project.rekindle("import", "events", str(path))
    assert result.stderr.splitlines()[0] == (
        f"{path}:2:1: I406 1 event names a customer that is not in the store: id 'ghost' on line 2"
    )


def test_strict_writes_nothing_and_leaves_last_active_at_alone(project: Project) -> None:
    with_customers(project)
    path = project.write(
        "events.csv", "customer_id,name,occurred_at\nc1,login,2026-11-01T00:00:00Z\nghost,login,2026-11-02\n"
    )
    result = project.rekindle("import", "events", str(path), "--strict")
    assert result.exit_code == 1
    assert result.stderr.splitlines()[-1] == (
        f"Nothing imported from {path}: 1 of 2 rows rejected (1 for unknown customers), and --strict refuses the "
        "whole file."
    )
    assert project.events("id") == []
    assert project.customers("last_active_at") == [(None,), (None,), (None,)]


def test_bad_event_rows(project: Project) -> None:
    with_customers(project)
    path = project.write(
        "events.csv",
        "customer_id,name,occurred_at,properties\n"
        "c1,login,yesterday,\n"
        "c1,,2026-11-01T00:00:00Z,\n"
        "c1,login,,\n"
        'c1,purchase,2026-11-01T00:00:00Z,"{""amount"": 5"\n'
        "c1,purchase,2026-11-01T00:00:00Z,[1]\n"
        "c1,login,2026-02-30T00:00:00Z,\n"
        "c1,login,2026-11-01T25:00:00Z,\n"
        "c1,login,2026-11-01T00:00:00Z,\n",
    )
    result = project.rekindle("import", "events", str(path))
    assert result.exit_code == 1
    assert result.stderr == (
        f"{path}:2:1: I404 occurred_at: 'yesterday' is not an ISO 8601 time such as 2026-11-23T09:00:00Z\n"
        f"{path}:3:1: I403 name is empty\n"
        f"{path}:4:1: I403 occurred_at is empty\n"
        f"{path}:5:1: I405 properties is not valid JSON: Expecting ',' delimiter: line 1 column 13 (char 12)\n"
        f"{path}:6:1: I405 properties must be a JSON object, not [1]\n"
        f"{path}:7:1: I404 occurred_at: '2026-02-30T00:00:00Z' is not an ISO 8601 time such as "
        "2026-11-23T09:00:00Z\n"
        f"{path}:8:1: I404 occurred_at: '2026-11-01T25:00:00Z' is not an ISO 8601 time such as "
        "2026-11-23T09:00:00Z\n"
        f"Imported 1 of 8 event rows from {path}: 7 rejected.\n"
    )


def test_json_lines_events_keep_nested_properties(project: Project) -> None:
    with_customers(project)
    data = (
        '{"customer_id": "c1", "name": "purchase", "occurred_at": "2026-11-01T12:00:00+01:00", '
        '"properties": {"cart": {"items": 2}}, "amount": "19.90"}\n'
        '{"customer_id": "c2", "name": "login"}\n'
    )
    result = project.rekindle("import", "events", "-", "--format", "jsonl", input=data)
    assert result.stderr == "<stdin>:2:1: I403 occurred_at is missing\nImported 1 of 2 event rows from <stdin>: 1 rejected.\n"
    assert project.events("name", "occurred_at", "properties") == [
        ("purchase", datetime(2026, 11, 1, 11), {"cart": {"items": 2}, "amount": "19.90"})
    ]


def test_each_batch_resolves_its_customers_with_one_query(project: Project) -> None:
    with_customers(project)
    path = project.write(
        "events.csv",
        "customer_id,name,occurred_at\n" + "".join(f"c{1 + i % 3},login,2026-11-01T00:00:{i:02d}Z\n" for i in range(10)),
    )
    statements: list[str] = []
    listener = lambda conn, cursor, sql, params, context, many: statements.append(sql)  # noqa: E731
    event.listen(project.engine, "before_cursor_execute", listener)
    options = ImportOptions(kind="events", file_format=FileFormat.csv, now=datetime.now(timezone.utc), batch_size=4)
    report = import_file(project.engine, str(path), options)
    event.remove(project.engine, "before_cursor_execute", listener)
    assert (report.ok, report.imported) == (True, 10)
    lookups = [s for s in statements if s.lstrip().upper().startswith("SELECT CUSTOMERS.EXTERNAL_ID")]
    inserts = [s for s in statements if s.lstrip().upper().startswith("INSERT INTO EVENTS")]
    updates = [s for s in statements if s.lstrip().upper().startswith("UPDATE CUSTOMERS")]
    assert (len(lookups), len(updates)) == (3, 3)  # batches of 4, 4 and 2 rows
    assert len(inserts) == 3


def _fail_event_inserts(project: Project, sql_body_postgres: str) -> None:
    """A trigger that makes every insert into events fail, the way a full disk or a dropped connection would."""
    with project.engine.begin() as connection:
        if connection.dialect.name == "sqlite":
            connection.exec_driver_sql(
                "CREATE TRIGGER fail_events BEFORE INSERT ON events BEGIN SELECT RAISE(ABORT, 'disk on fire'); END"
            )
        else:
            connection.exec_driver_sql(
                f"CREATE FUNCTION fail_events() RETURNS trigger AS $$ BEGIN {sql_body_postgres} END $$ LANGUAGE plpgsql"
            )
            connection.exec_driver_sql(
                "CREATE TRIGGER fail_events BEFORE INSERT ON events FOR EACH ROW EXECUTE FUNCTION fail_events()"
            )


def test_a_store_failure_mid_import_is_one_line_and_rolls_back(project: Project) -> None:
    with_customers(project)
    _fail_event_inserts(project, "RAISE EXCEPTION 'disk on fire';")
    path = project.write("events.csv", "customer_id,name,occurred_at\nc1,login,2026-11-01T00:00:00Z\n")
    result = project.rekindle("import", "events", str(path))
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == "error: the store failed while importing events; nothing was changed: disk on fire\n"
    assert project.events("id") == []


def test_a_connection_lost_mid_import_exits_3(project: Project) -> None:
    if project.engine.dialect.name != "postgresql":
        pytest.skip("SQLite has no server connection to lose")
    with_customers(project)
    _fail_event_inserts(project, "PERFORM pg_terminate_backend(pg_backend_pid()); RETURN NEW;")
    path = project.write("events.csv", "customer_id,name,occurred_at\nc1,login,2026-11-01T00:00:00Z\n")
    result = project.rekindle("import", "events", str(path))
    assert result.exit_code == 3
    assert result.stderr.startswith("error: the store failed while importing events; nothing was changed: ")
    assert project.events("id") == []
