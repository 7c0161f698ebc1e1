"""A newcomer's first run: `rekindle init` prints the whole path and how to make the secret, and following
it word for word, today, sends the welcome emails (the starter data is dated relative to today)."""

from __future__ import annotations

import mailbox
import shlex
from datetime import date, datetime, timezone
from pathlib import Path

from sqlalchemy import Engine
from typer.testing import CliRunner

from engine.cli.app import app
from engine.scaffold import scaffold_files, write_project


def test_the_printed_path_sends_the_first_emails_today(tmp_path: Path, monkeypatch) -> None:
    result = CliRunner().invoke(app, ["init", str(tmp_path / "acme")])
    assert result.exit_code == 0, result.output
    steps = [line.split("#")[0].strip() for line in result.stdout.splitlines() if line.startswith("  rekindle ")]
    assert steps == [
        "rekindle validate", "rekindle db init", "rekindle import customers examples/data/customers.csv",
        "rekindle import events examples/data/events.csv", "rekindle audience welcome",
        "rekindle preview welcome hello --customer c1", "rekindle run", "rekindle status",
    ]
    assert ("  export REKINDLE_UNSUBSCRIBE_SECRET=\"$(python3 -c 'import secrets; "
            "print(secrets.token_urlsafe(32))')\"") in result.stdout
    monkeypatch.chdir(tmp_path / "acme")
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "made-with-secrets-token-urlsafe")
    for step in steps:
        done = CliRunner().invoke(app, shlex.split(step)[1:])
        assert done.exit_code == 0, (step, done.output)
        assert "I409" not in done.output, (step, done.output)  # the starter catalog declares its data
    outbox = mailbox.Maildir(tmp_path / "acme" / "outbox", create=False)
    assert sorted(message["To"] for message in outbox) == ["Ada Lovelace <ada@example.com>",
                                                           "Grace Hopper <grace@example.com>"]


def test_the_starter_data_is_dated_relative_to_the_day_of_init() -> None:
    files = scaffold_files(today=date(2030, 1, 10))
    customers = files["examples/data/customers.csv"].decode().splitlines()
    assert [line.split(",")[6] for line in customers[1:]] == [
        "2030-01-08T10:00:00Z", "2030-01-05T15:30:00Z", "2029-12-01T08:00:00Z"]
    assert b"{today" not in files["examples/data/events.csv"]


def test_the_starter_catalog_is_what_the_starter_data_gives(store_engine: Engine, tmp_path: Path) -> None:
    """`rekindle init` ships catalog.yaml, so a new project's rules are checked against its data from the
    first edit; it is exactly what `rekindle catalog infer` writes after importing the starter data."""
    from engine.catalog import Catalog, load_catalog
    from engine.catalog.infer import infer_catalog, merge
    from engine.catalog.write import dump_catalog
    from engine.importer.run import ImportOptions, import_file
    from engine.importer.source import FileFormat

    write_project(tmp_path, today=date(2030, 1, 10))
    for kind in ("customers", "events"):
        report = import_file(store_engine, str(tmp_path / "examples" / "data" / f"{kind}.csv"),
                             ImportOptions(kind=kind, file_format=FileFormat.csv,
                                           now=datetime(2030, 1, 10, tzinfo=timezone.utc)))
        assert report.ok, report.format_text()
    shipped, problems = load_catalog(tmp_path / "catalog.yaml")
    assert problems == [] and shipped is not None
    with store_engine.connect() as connection:
        inferred, notes = merge(Catalog(), infer_catalog(connection))
    assert notes == []
    assert dump_catalog(inferred) == (tmp_path / "catalog.yaml").read_text(encoding="utf-8")


def test_a_command_run_where_there_is_no_project_says_so(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    result = CliRunner().invoke(app, ["run"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        "rekindle.yaml: C101 config file not found: rekindle.yaml",
        "    hint: run `rekindle init DIR` to create a project, or pass --config PATH",
        "error: there is no project here; nothing was run",
    ]
