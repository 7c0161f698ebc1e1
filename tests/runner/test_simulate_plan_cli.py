"""`rekindle simulate` and `rekindle plan` end to end: deterministic output, the real store untouched."""

from __future__ import annotations

import hashlib
import json

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.store.database import open_engine
from engine.store.models import Decision, Delivery, Enrollment, Run
from tests.runner.cliproject import TWO_STEPS, write_project

EXIT_ON_LOGIN = TWO_STEPS.replace(
    "audience:", "exit:\n  event: {name: login, since: enrolled}\naudience:"
)


@pytest.fixture(autouse=True)
def _no_secret(monkeypatch):
    # simulate and plan rehearse: they must work in CI without the production unsubscribe secret.
    monkeypatch.delenv("REKINDLE_UNSUBSCRIBE_SECRET", raising=False)


def invoke(*args: str):
    result = CliRunner().invoke(app, list(args), catch_exceptions=False)
    return result


def table_counts(url: str) -> tuple[int, ...]:
    engine = open_engine(url)
    with engine.connect() as conn:
        counts = tuple(conn.execute(select(func.count()).select_from(t)).scalar_one()
                       for t in (Run, Enrollment, Decision, Delivery))
    engine.dispose()
    return counts


def test_simulate_prints_a_deterministic_timeline_and_changes_nothing(tmp_path, store_url):
    config = write_project(tmp_path, store_url, customers=2)
    args = ("simulate", "--config", str(config), "--from", "2026-11-23T10:00:00Z", "--to",
            "2026-11-26T10:00:00Z", "--every", "1d")
    first = invoke(*args)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [
        "2026-11-23 10:00  nudge                            c0000            enrolled",
        '2026-11-23 10:00  nudge/first                      c0000            queued  "Hello Name0"',
        "2026-11-23 10:00  nudge                            c0001            enrolled",
        '2026-11-23 10:00  nudge/first                      c0001            queued  "Hello Name1"',
        '2026-11-25 10:00  nudge/second                     c0000            queued  "Hello Name0"',
        "2026-11-25 10:00  nudge                            c0000            completed",
        '2026-11-25 10:00  nudge/second                     c0001            queued  "Hello Name1"',
        "2026-11-25 10:00  nudge                            c0001            completed",
        "",
        "tick 2026-11-23T10:00:00Z: enrolled 2, queued 2",
        "tick 2026-11-24T10:00:00Z: nothing",
        "tick 2026-11-25T10:00:00Z: queued 2, completed 2",
        "tick 2026-11-26T10:00:00Z: nothing",
    ]
    assert invoke(*args).output == first.output
    assert table_counts(store_url) == (0, 0, 0, 0)


def test_simulate_json_shows_exits_with_their_reason(tmp_path):
    url = f"sqlite:///{tmp_path / 'store.db'}"
    config = write_project(tmp_path, url, rules={"nudge.yaml": EXIT_ON_LOGIN}, customers=1)
    # A login after enrolment is in the store already (an import ahead of the simulated period).
    engine = open_engine(url)
    with engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO events (customer_id, name, occurred_at, properties) "
                             "VALUES (1, 'login', '2026-11-24 08:00:00', '{}')")
    engine.dispose()
    before = hashlib.sha256((tmp_path / "store.db").read_bytes()).hexdigest()
    result = invoke("simulate", "--config", str(config), "--from", "2026-11-23T10:00:00Z", "--to",
                    "2026-11-27T10:00:00Z", "--format", "json")
    document = json.loads(result.output)
    assert [(m["at"], m["step"], m["decision"]) for m in document["timeline"]] == [
        ("2026-11-23T10:00:00Z", None, "enrolled"),
        ("2026-11-23T10:00:00Z", "first", "queued"),
        ("2026-11-24T10:00:00Z", None, "exited"),
    ]
    assert document["timeline"][2]["reason"] == "the campaign's exit condition is true"
    assert [t["totals"] for t in document["ticks"]] == [{"enrolled": 1, "queued": 1}, {"exited": 1}, {}, {}, {}]
    assert hashlib.sha256((tmp_path / "store.db").read_bytes()).hexdigest() == before


def test_plan_markdown_shows_counts_and_on_change_effects(tmp_path, store_url, monkeypatch):
    config = write_project(tmp_path, store_url, customers=3)
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    assert invoke("run", "--config", str(config), "--now", "2026-11-23T10:00:00Z", "--no-send").exit_code == 0
    monkeypatch.delenv("REKINDLE_UNSUBSCRIBE_SECRET")
    rule = tmp_path / "rules" / "nudge.yaml"
    rule.write_text(rule.read_text().replace("  - id: second", "  - id: reminder").replace(
        "steps:", "on_change: continue\nsteps:"))
    before = table_counts(store_url)
    result = invoke("plan", "--config", str(config), "--now", "2026-11-25T10:00:00Z", "--format", "markdown")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "### Plan: what `rekindle run --now 2026-11-25T10:00:00Z` would do"
    assert lines[2] == "| campaign | step | version_changed | queued | completed |"
    assert "| nudge | (campaign) | 3 |  | 3 |" in lines
    assert "| nudge | reminder |  | 3 |  |" in lines
    change = next(line for line in lines if line.startswith("| nudge | continue |"))
    assert change.endswith("| second | continue at reminder (second was removed) |")
    assert table_counts(store_url) == before
