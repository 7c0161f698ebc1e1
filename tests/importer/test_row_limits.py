"""One bad JSON Lines row is that row's error (I401), never the whole import's: a lone surrogate escape, nesting
far deeper than any attribute needs, or a row longer than the per-row cap. The rows around it are imported."""

from __future__ import annotations

from tests.importer.conftest import Project

GOOD = '{"id": "ok1", "email": "ok1@example.com"}\n'


def test_hostile_customer_rows_are_rejected_one_by_one(project: Project) -> None:
    rows = [
        '{"id": "s1", "email": "s1@example.com", "first_name": "\\ud800"}',
        '{"id": "s2", "email": "s2@example.com", "\\udfff": 1}',
        '{"id": "d1", "email": "d1@example.com", "attributes": ' + "[" * 100_000 + "]" * 100_000 + "}",
        '{"id": "d2", "email": "d2@example.com", "attributes": {"a": ' + "[" * 40 + "]" * 40 + "}}",
        '{"id": "big", "email": "big@example.com", "attributes": {"blob": "' + "x" * 1_100_000 + '"}}',
    ]
    data = GOOD + "\n".join(rows) + "\n" + GOOD.replace("ok1", "ok2")
    result = project.rekindle("import", "customers", "-", "--format", "jsonl", input=data)
    assert result.exit_code == 1
    assert result.stderr == (
        "<stdin>:2:1: I401 the row holds an unpaired surrogate escape (such as \\ud800), which is not Unicode text\n"
        "<stdin>:3:1: I401 the row holds an unpaired surrogate escape (such as \\ud800), which is not Unicode text\n"
        "<stdin>:4:1: I401 the row nests more than 32 levels deep\n"
        "<stdin>:5:1: I401 the row nests more than 32 levels deep\n"
        "<stdin>:6:1: I401 the row is longer than 1,000,000 characters\n"
        "Imported 2 of 7 customer rows from <stdin>: 5 rejected.\n"
    )
    assert project.customers("external_id") == [("ok1",), ("ok2",)]


def test_hostile_event_properties_are_rejected_one_by_one(project: Project) -> None:
    project.rekindle("import", "customers", "-", "--format", "jsonl", input=GOOD)
    event = '{"customer_id": "ok1", "name": "login", "occurred_at": "2026-01-01T00:00:00Z"'
    data = "\n".join([
        event + ', "properties": ' + '{"a": ' * 100_000 + "1" + "}" * 100_000 + "}",
        event + ', "properties": {"sku": "\\ud83d"}}',
        event + "}",
    ]) + "\n"
    result = project.rekindle("import", "events", "-", "--format", "jsonl", input=data)
    assert result.exit_code == 1
    assert result.stderr.splitlines()[:2] == [
        "<stdin>:1:1: I401 the row nests more than 32 levels deep",
        "<stdin>:2:1: I401 the row holds an unpaired surrogate escape (such as \\ud800), which is not Unicode text",
    ]
    assert len(project.events("id")) == 1
