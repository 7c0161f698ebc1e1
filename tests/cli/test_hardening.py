"""CLI-level regressions of issue 10: CSV output is safe to open in a spreadsheet, and failures of the machine
(a full disk, a database error no command caught) are plain messages with their exit code, not tracebacks."""

from __future__ import annotations

import errno
import io
from pathlib import Path

from sqlalchemy.exc import OperationalError
from typer.testing import CliRunner

from engine.cli.app import _environment_failure, app
from engine.cli.csv_output import safe_cell, write_csv
from tests.projects import write_project


def test_formula_cells_are_written_as_text() -> None:
    stream = io.StringIO()
    write_csv(stream, ["email", "name"], [("=HYPERLINK(\"https://evil.example\")", "+1"), ("a@b.example", "-2"),
                                          ("@SUM(A1)", "\tTab"), ("plain@example.com", "Ada")])
    assert stream.getvalue().splitlines() == [
        "email,name", "\"'=HYPERLINK(\"\"https://evil.example\"\")\",'+1", "a@b.example,'-2", "'@SUM(A1),'\tTab",
        "plain@example.com,Ada"]
    assert safe_cell(42) == 42


def test_suppress_list_csv_escapes_a_formula_in_the_detail(tmp_path: Path) -> None:
    config = write_project(tmp_path, f"version: 1\nstore:\n  url: 'sqlite:///{tmp_path / 's.db'}'\n")
    runner = CliRunner()
    assert runner.invoke(app, ["db", "init", "-c", str(config)]).exit_code == 0
    (tmp_path / "list.csv").write_text("email,reason,detail\na@example.com,manual,=cmd|' /C calc'!A0\n")
    added = runner.invoke(app, ["suppress", "import", str(tmp_path / "list.csv"), "-c", str(config)])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(app, ["suppress", "list", "--format", "csv", "-c", str(config)])
    assert listed.stdout.splitlines()[1].startswith("a@example.com,manual,'=cmd|' /C calc'!A0,")


def test_a_full_disk_is_a_plain_permanent_failure() -> None:
    error = _environment_failure(OSError(errno.ENOSPC, "No space left on device", "outbox/new/1.eml"))
    assert error is not None and error.exit_code == 1
    assert str(error) == ("the disk is full (outbox/new/1.eml); the work done so far is kept, rerun once that is "
                          "fixed")


def test_an_uncaught_database_error_is_a_store_error() -> None:
    error = _environment_failure(OperationalError("INSERT ...", {}, Exception("database or disk is full")))
    assert error is not None and error.exit_code == 1
    assert str(error) == "the store failed: database or disk is full; the work done so far is kept"


def test_a_programming_error_keeps_its_traceback() -> None:
    assert _environment_failure(KeyError("x")) is None
