"""Golden emails in rule tests: `snapshot:` names the rendered email's file; `--update-snapshots` writes it,
an unchanged rendering passes, a changed template fails with a diff, a missing file says how to create it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from engine.cli.app import app

REPO = Path(__file__).resolve().parents[2]

TEST_FILE = """\
version: 1
tests:
  - name: the offer
    campaigns: [winback-90]
    customers:
      - {id: ada, email: ada@example.com, first_name: Ada, timezone: Europe/Berlin, created_at: 2025-01-01T00:00:00Z}
    events:
      - {customer_id: ada, name: login, occurred_at: 2026-08-01T10:00:00Z}
    at: 2026-11-23T09:00:00Z
    every: 1d
    until: 2026-11-26T09:00:00Z
    expect:
      emails:
        - {at: 2026-11-23T09:00:00Z, customer: ada, campaign: winback-90, step: miss-you}
        - {at: 2026-11-26T09:00:00Z, customer: ada, campaign: winback-90, step: offer, snapshot: golden/offer.txt}
"""


def _project(tmp_path: Path) -> Path:
    for folder in ("rules", "segments", "templates"):
        shutil.copytree(REPO / folder, tmp_path / folder)
    shutil.copy(REPO / "rekindle.yaml", tmp_path / "rekindle.yaml")
    (tmp_path / "rule_tests").mkdir()
    (tmp_path / "rule_tests" / "offer.test.yaml").write_text(TEST_FILE, encoding="utf-8")
    return tmp_path / "rekindle.yaml"


def _test(config: Path, *args: str):
    return CliRunner().invoke(app, ["test", "--config", str(config), *args], catch_exceptions=False)


def test_update_writes_the_golden_email_and_an_unchanged_rendering_passes(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = _project(tmp_path)
    golden = tmp_path / "rule_tests" / "golden" / "offer.txt"

    missing = _test(config)
    assert missing.exit_code == 1
    assert ("    golden email rule_tests/golden/offer.txt:\n      exp: (the file does not exist)\n"
            "      got: run `rekindle test --update-snapshots` to write it") in missing.output

    written = _test(config, "--update-snapshots")
    assert written.exit_code == 0, written.output
    assert "    wrote rule_tests/golden/offer.txt" in written.output
    assert "1 test: 1 passed, 0 failed; 1 golden email written" in written.output
    text = golden.read_text(encoding="utf-8")
    assert text.startswith("Subject: $20 off your next month, Ada\n\n--- text/plain ---\nHi Ada,\n")
    assert "\n--- text/html ---\n<!doctype html>" in text
    assert "Here's $20 off your next month." in text

    again = _test(config)
    assert again.exit_code == 0 and "wrote" not in again.output


def test_a_changed_email_fails_with_a_diff_until_updated(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    config = _project(tmp_path)
    assert _test(config, "--update-snapshots").exit_code == 0
    template = tmp_path / "templates" / "winback" / "offer.txt"
    template.write_text(template.read_text(encoding="utf-8").replace(
        "Here's {{ vars.discount_usd | money }} off", "Here is {{ vars.discount_usd | money }} off"),
        encoding="utf-8")

    result = _test(config, "--format", "json")
    assert result.exit_code == 1
    (failure,) = json.loads(result.output)["tests"][0]["failures"]
    assert failure["what"] == ('golden email rule_tests/golden/offer.txt (2026-11-26T09:00:00Z  ada  winback-90/offer'
                               '  "$20 off your next month, Ada")')
    diff = failure["got"]
    assert diff[:2] == ["--- rule_tests/golden/offer.txt (snapshot)", "+++ rule_tests/golden/offer.txt (rendered)"]
    assert any(line.startswith("-Here's $20 off your next month.") for line in diff)
    assert any(line.startswith("+Here is $20 off your next month.") for line in diff)

    assert _test(config, "--update-snapshots").exit_code == 0
    assert _test(config).exit_code == 0
    assert "Here is $20 off" in (tmp_path / "rule_tests" / "golden" / "offer.txt").read_text(encoding="utf-8")
