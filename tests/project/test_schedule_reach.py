"""validate warns (P503) about a send window in a fixed timezone that the declared schedule never reaches;
windows in the customer's own zone are checked by `rekindle plan` against the store (tests/plan)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from tests.projects import write_project

ROOT = Path(__file__).resolve().parents[2]

RULE = """version: 1
id: office-hours
name: New York office hours
audience: {subscribed: true}
send_window:
  days: [mon, tue, wed, thu, fri]
  start: "09:00"
  end: "18:00"
  timezone: America/New_York
steps:
  - {id: hello, template: hello}
"""


def _validate(root: Path, schedule: str):
    config = write_project(root, {"version": 1, "schedule": schedule},
                           {"rules/office-hours.yaml": RULE,
                            "templates/hello.html": "{% block subject %}Hi{% endblock %}<p>Hello</p>"})
    return CliRunner().invoke(app, ["validate", "--config", str(config), "--format", "json"])


def test_a_daily_0900_utc_run_never_reaches_new_york_office_hours(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _validate(tmp_path, "every 1d at 09:00")
    assert result.exit_code == 0  # a warning: the rules are valid
    (warning,) = json.loads(result.output)["diagnostics"]
    assert warning == {
        "code": "P503", "severity": "warning", "file": "rules/office-hours.yaml", "line": 6, "column": 3,
        "path": "send_window", "hint": "run more often (e.g. `schedule: every 15m`) or widen the window",
        "message": "the schedule `every 1d at 09:00` never reaches the send window of campaign 'office-hours' "
                   "(09:00-18:00 mon/tue/wed/thu/fri) in America/New_York: those sends are deferred on every run"}


def test_a_reaching_schedule_and_the_shipped_project_are_quiet(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert json.loads(_validate(tmp_path / "a", "every 1d at 15:00").output)["diagnostics"] == []
    shipped = CliRunner().invoke(app, ["validate", "--config", str(ROOT / "rekindle.yaml"), "--format", "json"])
    assert shipped.exit_code == 0 and json.loads(shipped.output)["diagnostics"] == []
