"""Regressions of issue 10 in the run engine: templates are checked only under the run lock (cron runs never
pile up behind a slow template check), Message-IDs are globally unique yet stable, a customer whose address
needs SMTPUTF8 does not stop a run, and campaigns with extreme but valid values run."""

from __future__ import annotations

from datetime import datetime
from email import message_from_string, policy
from pathlib import Path

from sqlalchemy import insert, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.runner.lock import run_lock
from engine.runner.render import message_id
from engine.store.database import open_engine
from engine.store.models import Customer, Delivery
from tests.runner.cliproject import TWO_STEPS, write_project

NOW = "2026-02-15T10:00:00Z"


def _rekindle(*args: str):
    return CliRunner().invoke(app, list(args))


def test_templates_are_checked_only_once_the_run_lock_is_held(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "hardening-secret")
    store = tmp_path / "store.db"
    config = write_project(tmp_path, f"sqlite:///{store}")
    (tmp_path / "templates" / "nudge" / "first.html").write_text("{% block subject %}{{ broken(}}{% endblock %}")
    engine = open_engine(f"sqlite:///{store}")
    with engine.connect() as holder, run_lock(holder):
        locked = _rekindle("run", "--config", str(config), "--now", NOW)
    assert locked.exit_code == 0  # skipped: the run holding the lock does the work (and checks the templates)
    assert locked.stderr.startswith("skipped: another `rekindle run` is in progress on this store")
    unlocked = _rekindle("run", "--config", str(config), "--now", NOW)
    assert unlocked.exit_code == 1
    assert "T301" in unlocked.stderr and unlocked.stderr.splitlines()[-1] == (
        "error: the project has invalid templates; nothing was run")
    engine.dispose()


def test_message_ids_are_stable_and_differ_between_stores() -> None:
    first = message_id(1, "hello", "Shop <hi@shop.example>", campaign_id="welcome", customer="c1",
                       enrolled_at=datetime(2026, 2, 1, 9, 0))
    again = message_id(1, "hello", "Shop <hi@shop.example>", campaign_id="welcome", customer="c1",
                       enrolled_at=datetime(2026, 2, 1, 9, 0))
    other_store = message_id(1, "hello", "Shop <hi@shop.example>", campaign_id="welcome", customer="u-77",
                             enrolled_at=datetime(2026, 3, 4, 5, 6))
    assert first == again
    assert first != other_store
    assert first.startswith("<rekindle.1.hello.") and first.endswith("@shop.example>")


def test_a_non_ascii_address_is_queued_as_utf8_and_does_not_stop_the_run(tmp_path: Path, store_url: str,
                                                                          monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "hardening-secret")
    config = write_project(tmp_path, store_url, rules={"nudge.yaml": TWO_STEPS}, customers=2)
    engine = open_engine(store_url)
    with engine.begin() as conn:
        conn.execute(insert(Customer.__table__), [{
            "external_id": "jose", "email": "jösé@example.com", "first_name": "José", "timezone": "UTC",
            "created_at": datetime(2026, 1, 1), "subscribed": True, "attributes": {}}])
    result = _rekindle("run", "--config", str(config), "--now", NOW)
    assert result.exit_code == 0, result.output
    with engine.connect() as conn:
        rows = {row.email: row for row in conn.execute(select(Delivery))}
    engine.dispose()
    assert set(rows) == {"c0@test.example", "c1@test.example", "jösé@example.com"}
    assert {row.status for row in rows.values()} == {"sent"}  # the maildir backend takes UTF-8 as it is
    parsed = message_from_string(rows["jösé@example.com"].message.decode("utf-8"), policy=policy.SMTPUTF8)
    assert parsed["To"].addresses[0].addr_spec == "jösé@example.com"


EXTREME = """\
version: 1
id: extreme
audience:
  all:
    - subscribed: true
    - not: {event: {name: purchase, within: 36500d}}
    - not: {inactive: {for: 36500d}}
    - days_since: {field: created_at, lte: 36500}
    - anniversary: {field: created_at, within: 366d}
goal: {condition: {event: {name: purchase, since: enrolled}}, within: 36500d}
reentry: {policy: after, cooldown: 36500d}
steps:
  - {id: first, template: nudge/first}
  - {id: second, template: nudge/second, wait: 36500d}
"""


def test_the_longest_allowed_durations_run_on_both_dialects(tmp_path: Path, store_url: str, monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "hardening-secret")
    config = write_project(tmp_path, store_url, rules={"extreme.yaml": EXTREME}, customers=3)
    for command in (["audience", "extreme"], ["explain", "extreme", "c0001"], ["plan"], ["run"]):
        result = _rekindle(*command, "--config", str(config), "--now", NOW)
        assert result.exit_code == 0, (command, result.output)
