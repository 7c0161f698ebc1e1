"""`--log-format json` keeps stderr to JSON lines on every command: a usage error (exit 2) is one
`command.usage` event, even one Click meets before it reads `--log-format`, and a command's notes for people
(`ok: ...`, `wrote FILE`) are events too; with text, both stay the lines people read."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from engine.cli.app import app
from tests.cli.test_reference import _commands
from tests.runner.cliproject import write_project


def _path(name: str, command: Any) -> list[str]:
    return [name] if command.name == name else [name, command.name]


def _records(stderr: str) -> list[dict[str, Any]]:
    return [json.loads(line) for line in stderr.splitlines()]  # fails on any line that is not JSON


@pytest.mark.parametrize(("name", "command"), _commands(), ids=lambda value: getattr(value, "name", value))
def test_a_usage_error_is_one_json_line_on_every_command(name: str, command: Any) -> None:
    path = _path(name, command)
    result = CliRunner().invoke(app, [*path, "--no-such-option", "--log-format", "json"])
    assert result.exit_code == 2
    [record] = _records(result.stderr)
    assert (record["level"], record["event"], record["message"], record["command"], record["exit_code"]) == (
        "error", "command.usage", "No such option: --no-such-option", " ".join(["rekindle", *path]), 2)
    assert record["time"].endswith("+00:00")


def test_the_environment_asks_for_json_too_and_text_keeps_clicks_usage_text(monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_LOG_FORMAT", "json")
    [record] = _records(CliRunner().invoke(app, ["status", "--nonsense"]).stderr)
    assert record["message"] == "No such option: --nonsense"
    monkeypatch.delenv("REKINDLE_LOG_FORMAT")
    text = CliRunner().invoke(app, ["status", "--bogus", "--log-format", "text"])
    assert text.exit_code == 2
    assert "No such option: --bogus" in text.stderr and "Usage: rekindle status" in text.stderr


def test_a_bad_value_read_after_the_log_format_is_one_json_line() -> None:
    result = CliRunner().invoke(app, ["db", "prune", "--log-format=json", "--older-than", "xx"])
    assert result.exit_code == 2
    [record] = _records(result.stderr)
    assert record["message"] == ("Invalid value for --older-than: 'xx' is not a duration; write a whole number "
                                 "and a unit: 30m, 36h, 90d or 2w")


def test_a_commands_note_for_people_is_an_event_in_json(tmp_path: Path) -> None:
    config = write_project(tmp_path, f"sqlite:///{tmp_path / 'store.db'}")
    text = CliRunner().invoke(app, ["validate", "-c", str(config)])
    assert (text.exit_code, text.stderr) == (0, "ok: 1 campaign and 0 segments valid\n")
    result = CliRunner().invoke(app, ["validate", "-c", str(config), "--log-format", "json"])
    assert result.exit_code == 0
    [record] = _records(result.stderr)
    assert (record["event"], record["message"], record["campaigns"], record["errors"]) == (
        "validate.summary", "ok: 1 campaign and 0 segments valid", 1, 0)
