"""`rekindle status`: exit 0 when all is well, 1 with the reason when something needs attention (a step
deferred by a window the schedule never reaches, a relay that does not answer, a store that is missing)."""

from __future__ import annotations

import json
import socket
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app
from tests.runner.cliproject import TWO_STEPS, write_project

WINDOWED = TWO_STEPS.replace("steps:", 'send_window: {start: "10:00", end: "18:00"}\nsteps:')


def rekindle(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_all_is_well_exits_0(tmp_path: Path, store_url: str, monkeypatch) -> None:
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = str(write_project(tmp_path, store_url, customers=2))
    assert rekindle("run", "-c", config, "--now", "2026-11-23T10:00:00Z").exit_code == 0
    result = rekindle("status", "-c", config, "--now", "2026-11-23T10:05:00Z")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[1:4] == ["All is well.", "store: reachable", f"relay: maildir {tmp_path / 'outbox'} reachable"]
    assert "outbox: sent 2; held (paused or disabled) 0" in lines
    assert lines[-3:] == ["failures: none", "paused: none", "long-deferred steps: none"]


def test_steps_deferred_longer_than_the_threshold_need_attention(tmp_path: Path, store_url: str, monkeypatch):
    monkeypatch.setenv("REKINDLE_UNSUBSCRIBE_SECRET", "s")
    config = str(write_project(tmp_path, store_url, rules={"nudge.yaml": WINDOWED}, customers=3))
    for day in ("23", "24", "25"):  # a daily 09:00 cron: the 10:00 window never comes
        assert rekindle("run", "-c", config, "--now", f"2026-11-{day}T09:00:00Z").exit_code == 0
    early = rekindle("status", "-c", config, "--now", "2026-11-24T09:05:00Z", "--no-relay")
    assert early.exit_code == 0, early.output
    late = rekindle("status", "-c", config, "--now", "2026-11-25T09:05:00Z", "--no-relay", "-f", "json")
    assert late.exit_code == 1
    report = json.loads(late.stdout)
    assert report["deferred"] == [{"campaign": "nudge", "step": "first", "enrolments": 3,
                                   "deferred_since": "2026-11-23T09:00:00Z"}]
    assert report["attention"] == [
        "3 enrolments of nudge/first deferred by the send window since 2026-11-23T09:00:00Z"]


def test_an_unreachable_relay_needs_attention(tmp_path: Path, store_url: str) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = write_project(tmp_path, store_url, customers=0)
    config.write_text(config.read_text().replace(
        "backend: maildir\n  maildir:\n    path: outbox",
        f"backend: smtp\n  smtp:\n    url: \"smtp://127.0.0.1:{port}?tls=none\""))
    result = rekindle("status", "-c", str(config), "-f", "json")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["relay"]["reachable"] is False and report["relay"]["backend"] == f"smtp://127.0.0.1:{port}?tls=none"
    assert report["attention"][0].startswith("the relay is unreachable: cannot connect")


def test_a_missing_store_is_named_and_not_created(tmp_path: Path) -> None:
    config = tmp_path / "rekindle.yaml"
    config.write_text("version: 1\nstore:\n  url: sqlite:///data/rekindle.db\n")
    result = rekindle("status", "-c", str(config))
    assert result.exit_code == 1
    expected = (f"there is no store at {tmp_path / 'data' / 'rekindle.db'} yet (the store url in "
                f"{config}): create it with `rekindle db init`")
    assert f"  - the store cannot be used: {expected}" in result.stdout
    run = CliRunner().invoke(app, ["send", "-c", str(config)])
    assert (run.exit_code, run.stderr) == (1, f"error: {expected}\n")
    logged = CliRunner().invoke(app, ["send", "-c", str(config), "--log-format", "json"])
    record = json.loads(logged.stderr)
    assert (logged.exit_code, record["event"], record["message"], record["exit_code"]) == (
        1, "command.failed", expected, 1)
    assert not (tmp_path / "data").exists()
