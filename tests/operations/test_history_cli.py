"""`rekindle history`: one customer's decisions and deliveries across campaigns in order, and one campaign's
activity per day and step over a period."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from tests.runner.cliproject import TWO_STEPS, write_project


def rekindle(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def two_campaigns(tmp_path: Path, store_url: str, monkeypatch) -> str:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    other = TWO_STEPS.replace("id: nudge", "id: other").replace("name: Nudge", "name: Other")
    config = str(write_project(tmp_path, store_url, rules={"nudge.yaml": TWO_STEPS, "other.yaml": other},
                               customers=2))
    assert rekindle("run", "-c", config, "--now", "2026-11-23T10:00:00Z").exit_code == 0
    assert rekindle("run", "-c", config, "--now", "2026-11-25T10:00:00Z").exit_code == 0
    return config


def test_one_customer_across_campaigns_in_order(tmp_path, store_url, monkeypatch):
    config = two_campaigns(tmp_path, store_url, monkeypatch)
    result = rekindle("history", "--customer", "c0001", "-c", config, "-f", "json")
    assert result.exit_code == 0, result.output
    entries = [(e["at"], e["campaign"], e["step"], e["what"]) for e in json.loads(result.stdout)["entries"]]
    day1, day3 = "2026-11-23T10:00:00Z", "2026-11-25T10:00:00Z"
    key = lambda entry: tuple(part or "" for part in entry)  # noqa: E731
    assert sorted(entries, key=key) == sorted([
        (day1, "nudge", None, "enrolled"), (day1, "nudge", "first", "queued"), (day1, "nudge", "first", "delivery sent"),
        (day1, "other", None, "enrolled"), (day1, "other", "first", "queued"), (day1, "other", "first", "delivery sent"),
        (day3, "nudge", "second", "queued"), (day3, "nudge", None, "completed"),
        (day3, "nudge", "second", "delivery sent"),
        (day3, "other", "second", "queued"), (day3, "other", None, "completed"),
        (day3, "other", "second", "delivery sent"),
    ], key=key)
    assert [at for at, *_ in entries] == sorted(at for at, *_ in entries)
    sent = [e for e in json.loads(result.stdout)["entries"] if e["what"] == "delivery sent"]
    assert sent[0]["detail"].startswith("<rekindle.")  # the Message-ID, then the backend's reply
    text = rekindle("history", "--customer", "c0001", "-c", config)
    assert text.stdout.splitlines()[0] == "History of customer c0001:"
    unknown = CliRunner().invoke(app, ["history", "--customer", "nobody", "-c", config])
    assert (unknown.exit_code, unknown.stderr) == (2, "error: no customer with id 'nobody'\n")


def test_one_campaign_per_day_and_step(tmp_path, store_url, monkeypatch):
    config = two_campaigns(tmp_path, store_url, monkeypatch)
    result = rekindle("history", "--campaign", "nudge", "--since", "2026-11-01T00:00:00Z", "--until",
                      "2026-12-01T00:00:00Z", "-c", config, "-f", "json")
    days = [(d["day"], d["step"], d["what"], d["count"]) for d in json.loads(result.stdout)["days"]]
    assert days == [
        ("2026-11-23", None, "enrolled", 2), ("2026-11-23", "first", "delivery sent", 2),
        ("2026-11-23", "first", "queued", 2),
        ("2026-11-25", None, "completed", 2), ("2026-11-25", "second", "delivery sent", 2),
        ("2026-11-25", "second", "queued", 2),
    ]
    neither = CliRunner().invoke(app, ["history", "-c", config])
    assert (neither.exit_code, neither.stderr) == (2, "error: give --customer ID or --campaign ID (one of them)\n")
