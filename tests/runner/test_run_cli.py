"""`rekindle run` end to end, in process: dry run leaves the store untouched, invalid rules run nothing,
JSON output, the blast-radius guard's exit code."""

from __future__ import annotations

import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from engine.cli.app import app
from engine.store.database import open_engine
from engine.store.models import Decision, Delivery, Run
from tests.runner.cliproject import TWO_STEPS, write_project

NOW = "2026-11-23T10:00:00Z"


@pytest.fixture(autouse=True)
def _secret(monkeypatch):
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "cli-secret")


def rekindle(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def counts(url: str) -> tuple[int, int, int]:
    engine = open_engine(url)
    with engine.connect() as conn:
        result = tuple(conn.execute(select(func.count()).select_from(t)).scalar_one() for t in (Run, Decision, Delivery))
    engine.dispose()
    return result


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_dry_run_leaves_the_sqlite_file_byte_for_byte_unchanged(tmp_path):
    store = tmp_path / "store.db"
    config = write_project(tmp_path, f"sqlite:///{store}", customers=50)
    assert rekindle("run", "--config", str(config), "--now", NOW, "--no-send").exit_code == 0  # some history
    before = digest(store)
    wal = store.with_name("store.db-wal")
    result = rekindle("run", "--config", str(config), "--now", "2026-11-25T10:00:00Z", "--dry-run",
                      "--format", "json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["dry_run"] and report["campaigns"]["nudge"]["steps"]["second"] == {"queued": 50}
    assert digest(store) == before
    assert not wal.exists() or wal.stat().st_size == 0
    # ... and the real run then does exactly what the dry run announced.
    real = json.loads(rekindle("run", "--config", str(config), "--now", "2026-11-25T10:00:00Z", "--no-send",
                               "--format", "json").output)
    assert real["campaigns"] == report["campaigns"] and real["totals"] == report["totals"]


def test_dry_run_writes_nothing_on_either_dialect(tmp_path, store_url):
    config = write_project(tmp_path, store_url)
    result = rekindle("run", "--config", str(config), "--now", NOW, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "DRY RUN at 2026-11-23T10:00:00Z: nothing was written" in result.output
    assert counts(store_url) == (0, 0, 0)


def test_invalid_rules_run_nothing(tmp_path, store_url):
    broken = TWO_STEPS.replace("wait: 2d", "wait: two days")
    config = write_project(tmp_path, store_url, rules={"nudge.yaml": TWO_STEPS, "broken.yaml":
                                                       broken.replace("id: nudge", "id: broken")})
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--now", NOW])
    assert result.exit_code == 1
    assert "rules/broken.yaml:10:11: R108 invalid duration" in result.output
    assert "error: the project has invalid rules; nothing was run" in result.output
    assert counts(store_url) == (0, 0, 0)


def test_a_template_that_no_longer_renders_runs_nothing(tmp_path, store_url):
    config = write_project(tmp_path, store_url)
    (tmp_path / "templates" / "nudge" / "second.html").write_text(
        "{% block subject %}Hi{% endblock %}<p>{{ customer.first_name | no_such_filter }}</p>\n"
    )
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--now", NOW])
    assert result.exit_code == 1
    assert "templates/nudge/second.html:1:" in result.output
    assert "error: the project has invalid templates; nothing was run" in result.output
    assert counts(store_url) == (0, 0, 0)


def test_unknown_campaign_is_a_usage_error(tmp_path):
    config = write_project(tmp_path, f"sqlite:///{tmp_path / 's.db'}")
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--campaign", "nope"])
    assert result.exit_code == 2
    assert "error: unknown campaign 'nope'; known: nudge" in result.output


def test_max_audience_hold_exits_1_with_a_clear_message(tmp_path, store_url):
    guarded = TWO_STEPS.replace("audience:", "max_audience: 3\naudience:")
    config = write_project(tmp_path, store_url, rules={"nudge.yaml": guarded})
    result = CliRunner().invoke(app, ["run", "--config", str(config), "--now", NOW, "--no-send"])
    assert result.exit_code == 1
    assert ("campaign 'nudge' would enrol 5 customers, more than its max_audience 3; held: nobody enrolled or "
            "mailed.") in " ".join(result.output.split())
    assert counts(store_url)[2] == 0


def test_run_sends_through_the_configured_backend(tmp_path):
    config = write_project(tmp_path, f"sqlite:///{tmp_path / 's.db'}", customers=3)
    result = rekindle("run", "--config", str(config), "--now", NOW)
    assert result.exit_code == 0, result.output
    assert "Sent 3, failed 0" in result.output
    files = sorted((tmp_path / "outbox" / "new").iterdir())
    assert len(files) == 3
    assert b"Subject: Hello Name0" in b"".join(f.read_bytes() for f in files)


def test_decisions_carry_the_rules_commit(tmp_path):
    config = write_project(tmp_path, f"sqlite:///{tmp_path / 's.db'}", customers=1)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["git", "add", "rules"], cwd=tmp_path, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "r"], cwd=tmp_path,
                   check=True)
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=tmp_path, check=True, capture_output=True,
                          text=True).stdout.strip()
    report = json.loads(rekindle("run", "--config", str(config), "--now", NOW, "--no-send", "--format",
                                 "json").output)
    assert report["rules_commit"] == head
    engine = open_engine(f"sqlite:///{tmp_path / 's.db'}")
    with engine.connect() as conn:
        stamps = set(conn.execute(select(Decision.rules_commit, Decision.campaign_version).distinct()))
    engine.dispose()
    assert stamps == {(head, report["campaigns"]["nudge"]["version"])}


def test_render_only_renders_what_a_tick_decided_and_sends_nothing(tmp_path, store_url):
    config = write_project(tmp_path, store_url, customers=5)
    assert rekindle("run", "--config", str(config), "--now", NOW, "--no-send", "--workers", "1").exit_code == 0
    engine = open_engine(store_url)
    with engine.begin() as conn:  # as a tick leaves the store when it is stopped right after deciding
        rendered = dict(conn.execute(select(Delivery.id, Delivery.message)).all())
        conn.execute(Delivery.__table__.update().values(status="rendering", message=None))
    result = rekindle("run", "--config", str(config), "--render-only", "--workers", "2")
    assert result.exit_code == 0, result.output
    assert result.output == f"{len(rendered)} email(s) waited to be rendered, 0 wait now (see `rekindle status`).\n"
    with engine.connect() as conn:
        after = conn.execute(select(Delivery.id, Delivery.message, Delivery.status)).all()
    engine.dispose()
    assert len(rendered) == 5 and {row.status for row in after} == {"queued"}
    assert {row.id: row.message for row in after} == rendered  # the same bytes, rendered elsewhere
