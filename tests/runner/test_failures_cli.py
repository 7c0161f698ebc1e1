"""A failing render is visible: on stderr with customer, campaign/step, file:line and reason (capped, with a
count), in the run's recorded status and exit code, in `rekindle status`, and as JSON lines with the run id."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from sqlalchemy import select, update
from typer.testing import CliRunner

from engine.cli.app import app
from engine.store.database import open_engine
from engine.store.models import Customer, Run
from tests.runner.cliproject import TWO_STEPS, write_project
from tests.runner.kit import REFUSED, refuse

NOW = "2026-11-23T10:00:00Z"
SEATS = ("{% block subject %}Seats{% endblock %}"
         "<p>{{ 100 // customer.attributes.get('seats', 1) }} per seat</p>\n")


def rekindle(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def project(tmp_path: Path, url: str, customers: int, zero_seats: int) -> Path:
    """`customers` customers, the first `zero_seats` of them with 0 seats: their first email cannot render."""
    config = write_project(tmp_path, url, customers=customers)
    (tmp_path / "templates" / "nudge" / "first.html").write_text(SEATS)
    engine = open_engine(url)
    with engine.begin() as conn:
        ids = conn.execute(select(Customer.id).order_by(Customer.id).limit(zero_seats)).scalars().all()
        conn.execute(update(Customer).where(Customer.id.in_(ids)).values(attributes={"seats": 0}))
    engine.dispose()
    return config


def run_statuses(url: str) -> list[str]:
    engine = open_engine(url)
    with engine.connect() as conn:
        found = list(conn.execute(select(Run.status).order_by(Run.id)).scalars())
    engine.dispose()
    return found


def test_a_failing_render_is_on_stderr_recorded_partial_and_in_status(tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = project(tmp_path, store_url, customers=3, zero_seats=1)
    result = rekindle("run", "-c", str(config), "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr == ("error: render failed: customer c0000, nudge/first, templates/nudge/first.html:1: "
                             "ZeroDivisionError: integer division or modulo by zero\n")
    assert "Run 1 at 2026-11-23T10:00:00Z: partial" in result.stdout
    assert run_statuses(store_url) == ["partial"]

    status = rekindle("status", "-c", str(config), "--now", "2026-11-23T10:05:00Z", "--format", "json")
    assert status.exit_code == 1
    report = json.loads(status.stdout)
    assert report["attention"] == [
        "the last run (1) is partial",
        "1 render failure: the email could not be rendered: templates/nudge/first.html:1: ZeroDivisionError: "
        "integer division or modulo by zero",
    ]
    assert report["failures"] == [{
        "kind": "render", "count": 1, "campaign": "nudge", "latest": "2026-11-23T10:00:00Z",
        "reason": "the email could not be rendered: templates/nudge/first.html:1: ZeroDivisionError: integer "
                  "division or modulo by zero"}]
    assert report["runs"][0]["status"] == "partial"
    assert report["runs"][0]["delivery"]["sent"] == 2
    text = rekindle("status", "-c", str(config), "--now", "2026-11-23T10:05:00Z")
    assert "NEEDS ATTENTION:\n  - the last run (1) is partial\n" in text.stdout
    assert "       1 render   nudge: the email could not be rendered: templates/nudge/first.html:1:" in text.stdout


def test_only_failures_make_a_failed_run_and_the_list_is_capped_with_a_count(tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = project(tmp_path, store_url, customers=23, zero_seats=23)
    result = rekindle("run", "-c", str(config), "--now", NOW)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert len(lines) == 21
    assert lines[0].startswith("error: render failed: customer c0000, nudge/first, templates/nudge/first.html:1: ")
    assert lines[-1] == "error: ... and 3 more failures (`rekindle status`, `rekindle history`)"
    assert run_statuses(store_url) == ["failed"]


def test_json_log_lines_carry_time_event_and_run_id(tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = project(tmp_path, store_url, customers=2, zero_seats=1)
    result = rekindle("run", "-c", str(config), "--now", NOW, "--log-format", "json", "--format", "json")
    assert result.exit_code == 1
    records = [json.loads(line) for line in result.stderr.splitlines()]
    assert {r["run_id"] for r in records} == {1}
    assert all(r["time"].endswith("+00:00") for r in records)
    failed = [r for r in records if r["event"] == "render.failed"]
    assert [(r["customer"], r["campaign"], r["step"], r["where"]) for r in failed] == [
        ("c0000", "nudge", "first", "templates/nudge/first.html:1")]
    finished = [r for r in records if r["event"] == "run.finished"]
    assert [(r["status"], r["delivery"]["sent"]) for r in finished] == [("partial", 1)]
    assert json.loads(result.stdout)["status"] == "partial"


def test_an_unreachable_relay_leaves_the_run_failed_with_its_delivery_summary(tmp_path, store_url, monkeypatch):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = write_project(tmp_path, store_url, customers=2)
    config.write_text(config.read_text().replace(
        "backend: maildir\n  maildir:\n    path: outbox",
        f"backend: smtp\n  smtp:\n    url: \"smtp://127.0.0.1:{port}?tls=none\""))
    result = rekindle("run", "-c", str(config), "--now", NOW, "--format", "json")
    assert result.exit_code == 3
    document = json.loads(result.stdout)
    assert document["status"] == "partial"  # 2 emails were queued; none could leave
    assert run_statuses(store_url) == ["partial"]
    engine = open_engine(store_url)
    with engine.connect() as conn:
        summary = conn.execute(select(Run.summary)).scalar_one()
    engine.dispose()
    assert summary["delivery"]["sent"] == 0 and summary["delivery"]["unavailable"].startswith("cannot connect")


BROKEN = TWO_STEPS.replace("id: nudge", "id: broken").replace("name: Nudge", "name: Broken") \
    .replace("audience:", "priority: 5\naudience:")


def test_a_campaign_the_database_fails_is_reported_and_the_others_are_sent(tmp_path, store_url, monkeypatch):
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = write_project(tmp_path, store_url, rules={"nudge.yaml": TWO_STEPS, "broken.yaml": BROKEN}, customers=2)
    engine = open_engine(store_url)
    refuse(engine, "enrollments")
    engine.dispose()
    result = rekindle("run", "-c", str(config), "--now", NOW)
    assert result.exit_code == 1
    assert result.stderr == (f"error: campaign failed: broken, {tmp_path}/rules/broken.yaml: the database refused "
                             f"its SQL: {REFUSED}\n")
    assert "Run 1 at 2026-11-23T10:00:00Z: partial" in result.stdout
    assert (f"failed: campaign 'broken' failed: the database refused its SQL: {REFUSED}; what it had not "
            "committed was rolled back, the other campaigns went on, the next run tries it again") in result.stdout
    assert "Sent 2, failed 0" in result.stdout  # nudge's two emails went out
    assert run_statuses(store_url) == ["partial"]

    status = rekindle("status", "-c", str(config), "--now", "2026-11-23T10:05:00Z", "--format", "json")
    assert status.exit_code == 1
    report = json.loads(status.stdout)
    reason = (f"campaign 'broken' failed: the database refused its SQL: {REFUSED}; what it had not committed was "
              "rolled back, the other campaigns went on, the next run tries it again")
    assert report["attention"] == ["the last run (1) is partial", f"1 campaign failure: {reason}"]
    assert report["failures"] == [{"kind": "campaign", "count": 1, "campaign": "broken",
                                   "latest": "2026-11-23T10:00:00Z", "reason": reason}]

    plan = rekindle("plan", "-c", str(config), "--now", "2026-11-23T10:10:00Z")
    assert plan.exit_code == 1
    assert f"failed: {reason}" in plan.stdout
