"""`rekindle test` end to end through CliRunner: real test files in tmp_path against the shipped project."""

from __future__ import annotations

import json
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.app import app

REPO = Path(__file__).resolve().parents[2]
CONFIG = str(REPO / "rekindle.yaml")

WINBACK = """\
version: 1
tests:
  - name: quiet customer gets the win-back series
    campaigns: [winback-90]
    customers:
      - {id: ada, email: ada@example.com, first_name: Ada, timezone: Europe/Berlin, created_at: 2025-01-01T00:00:00Z}
    events:
      - {customer_id: ada, name: login, occurred_at: 2026-08-01T10:00:00Z}
    at: 2026-11-23T09:00:00Z
    every: 1d
    until: 2026-11-27T09:00:00Z
    expect:
      audience: {winback-90: [ada]}
      emails:
        - {at: 2026-11-23T09:00:00Z, customer: ada, campaign: winback-90, step: miss-you}
        - {at: 2026-11-26T09:00:00Z, customer: ada, campaign: winback-90, step: offer, subject: "$20 off your next month, Ada"}
  - name: returning customer leaves
    campaigns: [winback-90]
    customers:
      - {id: ada, email: ada@example.com, created_at: 2025-01-01T00:00:00Z}
    events:
      - {customer_id: ada, name: login, occurred_at: 2026-08-01T10:00:00Z}
      - {customer_id: ada, name: login, occurred_at: 2026-11-23T12:00:00Z}
    at: 2026-11-23T09:00:00Z
    every: 1d
    until: 2026-11-25T09:00:00Z
    expect:
      decisions:
        - {customer: ada, campaign: winback-90, decision: exited, at: 2026-11-24T09:00:00Z}
"""


def _test(*args: str):
    return CliRunner().invoke(app, ["test", "--config", CONFIG, *args])


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


def test_a_passing_file(workdir: Path) -> None:
    _write(workdir, "winback.test.yaml", WINBACK)
    result = _test("winback.test.yaml")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "winback.test.yaml",
        "  PASS  quiet customer gets the win-back series",
        "  PASS  returning customer leaves",
    ]
    assert result.stderr == "2 tests: 2 passed, 0 failed\n"


def test_a_failing_expectation_prints_what_was_expected_and_what_happened(workdir: Path) -> None:
    wrong = WINBACK.replace('"$20 off your next month, Ada"', '"$25 off your next month, Ada"').replace(
        "winback-90: [ada]", "winback-90: []").replace("decision: exited, at: 2026-11-24", "decision: exited, at: 2026-11-23")
    _write(workdir, "winback.test.yaml", wrong)
    result = _test("winback.test.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "winback.test.yaml",
        "  FAIL  quiet customer gets the win-back series",
        "    audience of winback-90:",
        "      exp: (none)",
        "      got: ada",
        "    emails:",
        "      exp: 2026-11-23T09:00:00Z  ada  winback-90/miss-you",
        '           2026-11-26T09:00:00Z  ada  winback-90/offer  "$25 off your next month, Ada"',
        "      got: 2026-11-23T09:00:00Z  ada  winback-90/miss-you  \"It's been a while, Ada\"",
        '           2026-11-26T09:00:00Z  ada  winback-90/offer  "$20 off your next month, Ada"',
        "  FAIL  returning customer leaves",
        "    decisions:",
        "      exp: 2026-11-23T09:00:00Z  ada  winback-90  exited",
        "      got: 2026-11-23T09:00:00Z  ada  winback-90  enrolled  (the audience matched)",
        '           2026-11-23T09:00:00Z  ada  winback-90/miss-you  queued  (the step is due)',
        "           2026-11-24T09:00:00Z  ada  winback-90  exited  (the campaign's exit condition is true)",
    ]
    assert result.stderr == "2 tests: 0 passed, 2 failed\n"


def test_emails_an_empty_list_asserts_that_nothing_is_sent(workdir: Path) -> None:
    _write(workdir, "none.test.yaml", WINBACK.replace("audience: {winback-90: [ada]}", "emails: []").split(
        "      emails:\n        - {at: 2026-11-23")[0])
    result = _test("none.test.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines()[2:6] == [
        "    emails:",
        "      exp: (none)",
        "      got: 2026-11-23T09:00:00Z  ada  winback-90/miss-you  \"It's been a while, Ada\"",
        '           2026-11-26T09:00:00Z  ada  winback-90/offer  "$20 off your next month, Ada"',
    ]


def test_a_file_that_breaks_the_schema_is_reported_like_validate(workdir: Path) -> None:
    _write(workdir, "bad.test.yaml", """\
        version: 1
        tests:
          - name: typo
            custmers: []
            at: 2026-11-23T09:00:00Z
            every: 1 day
            until: 2026-11-24T09:00:00Z
            expect:
              decisions:
                - {customer: c1, campaign: winback-90, decision: exit}
        """)
    result = _test("bad.test.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        'bad.test.yaml:4:5: U101 unknown key "custmers" in tests[0] (did you mean "customers"?)',
        'bad.test.yaml:6:12: U101 invalid duration "1 day" at tests[0].every; write a whole number and a unit: '
        '30m, 36h, 90d or 2w (did you mean "1d"?)',
        'bad.test.yaml:10:58: U101 "exit" is not allowed at tests[0].expect.decisions[0].decision; expected one of '
        "enrolled, held_out, version_changed, converted, exited, queued, skipped_condition, deferred_window, capped, "
        'suppressed, render_failed, completed, held_blast_radius (did you mean "exited"?)',
    ]
    assert result.stderr == "0 tests: 0 passed, 0 failed; 1 invalid file\n"


def test_names_the_project_cannot_resolve_are_located(workdir: Path) -> None:
    _write(workdir, "names.test.yaml", """\
        version: 1
        tests:
          - name: one
            campaigns: [winbak-90]
            customers:
              - {id: c1, email: not-an-address}
              - {id: c2, email: c2@example.com, created_at: yesterday}
              - {id: c3, email: c3@example.com}
              - {id: c3, email: c3b@example.com}
            events:
              - {customer_id: c9, name: login, occurred_at: 2026-11-01T00:00:00Z}
            at: 2026-11-23T09:00:00Z
            until: 2026-11-20T09:00:00Z
            expect:
              emails: [{at: 2026-11-23, customer: c3, campaign: welcome, step: hello}]
          - name: one
            at: 2026-13-01T00:00:00Z
            every: 1d
            until: 2026-11-20T09:00:00Z
            expect:
              audience: {welcome: [c1]}
          - name: backwards
            at: 2026-11-23T09:00:00Z
            every: 1d
            until: 2026-11-20T09:00:00Z
            expect: {emails: []}
          - name: too many ticks
            at: 2026-01-01T00:00:00Z
            every: 1m
            until: 2027-01-01T00:00:00Z
            expect: {emails: []}
        """)
    result = _test("names.test.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        'names.test.yaml:4:17: U104 unknown campaign "winbak-90" (did you mean "winback-90"?)',
        "names.test.yaml:6:25: I405 email 'not-an-address' is not an email address",
        "names.test.yaml:7:53: I404 created_at: 'yesterday' is not an ISO 8601 time such as 2026-11-23T09:00:00Z",
        'names.test.yaml:9:14: U102 duplicate customer id "c3" (first on line 8)',
        'names.test.yaml:11:23: U105 customer "c9" is not among this test\'s customers',
        "names.test.yaml:13:5: U106 `until` needs `every`: ticks run from `at` every `every` until `until`",
        'names.test.yaml:16:11: U102 duplicate test name "one" (first on line 3)',
        "names.test.yaml:17:9: U103 tests[1].at: '2026-13-01T00:00:00Z' is not an ISO 8601 time such as "
        "2026-11-23T09:00:00Z",
        'names.test.yaml:21:28: U105 customer "c1" is not among this test\'s customers',
        "names.test.yaml:25:12: U106 `until` is before `at`",
        "names.test.yaml:29:12: U106 `every: 1m` from `at` to `until` makes more than 10,000 ticks",
    ]


def test_run_selects_tests_by_name(workdir: Path) -> None:
    _write(workdir, "winback.test.yaml", WINBACK)
    result = _test("winback.test.yaml", "--run", "^return")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == ["winback.test.yaml", "  PASS  returning customer leaves"]
    nothing = _test("winback.test.yaml", "--run", "nobody")
    assert nothing.exit_code == 1
    assert nothing.stderr.splitlines()[-1] == "error: no test name matches --run 'nobody'"
    assert _test("winback.test.yaml", "--run", "(").exit_code == 2


def test_junit_xml_for_ci(workdir: Path) -> None:
    _write(workdir, "winback.test.yaml", WINBACK.replace("winback-90: [ada]", "winback-90: [ada, adax]").replace(
        "      - {id: ada, email: ada@example.com, first_name: Ada,",
        "      - {id: adax, email: adax@example.com}\n      - {id: ada, email: ada@example.com, first_name: Ada,"))
    _write(workdir, "broken.test.yaml", "version: 1\ntests: []\n")
    result = _test("winback.test.yaml", "broken.test.yaml", "--junit", "reports/junit.xml")
    assert result.exit_code == 1
    root = ET.parse(workdir / "reports" / "junit.xml").getroot()
    suites = {suite.get("name"): suite for suite in root.iter("testsuite")}
    assert sorted(suites) == ["broken.test.yaml", "winback.test.yaml"]
    winback = suites["winback.test.yaml"]
    assert (winback.get("tests"), winback.get("failures"), winback.get("errors")) == ("2", "1", "0")
    cases = {case.get("name"): case for case in winback.iter("testcase")}
    failure = cases["quiet customer gets the win-back series"].find("failure")
    assert failure.get("message") == "not as expected: audience of winback-90"
    assert failure.text.splitlines() == ["    audience of winback-90:", "      exp: ada", "           adax",
                                         "      got: ada"]
    assert cases["returning customer leaves"].find("failure") is None
    error = suites["broken.test.yaml"].find("testcase/error")
    assert error.text == "broken.test.yaml:2:8: U101 tests needs at least 1 item"


def test_json_output_and_the_missing_default_folder(workdir: Path) -> None:
    _write(workdir, "winback.test.yaml", WINBACK)
    document = json.loads(_test("winback.test.yaml", "--format", "json").stdout)
    assert document["passed"] is True
    assert [(t["name"], t["passed"], t["failures"]) for t in document["tests"]] == [
        ("quiet customer gets the win-back series", True, []), ("returning customer leaves", True, [])]
    project = workdir / "project"
    project.mkdir()
    (project / "rekindle.yaml").write_text((REPO / "rekindle.yaml").read_text().replace(
        "rules_dir: rules", f"allow_folders_outside_project: true\nrules_dir: {REPO / 'rules'}").replace(
        "segments_dir: segments", f"segments_dir: {REPO / 'segments'}").replace(
        "templates_dir: templates", f"templates_dir: {REPO / 'templates'}"))
    empty = CliRunner().invoke(app, ["test", "--config", "project/rekindle.yaml"])
    assert empty.exit_code == 1
    assert empty.stdout.splitlines() == [
        "project/rule_tests: U107 no rule tests found in project/rule_tests",
        "    hint: rule tests are files named *.test.yaml; see docs/rule-tests.md",
    ]
    assert not (project / "demo").exists()  # the project's store is never opened


def test_the_shipped_rule_tests_pass(monkeypatch: pytest.MonkeyPatch) -> None:
    """The shipped campaigns behave as their tests say (series, $20 offer subject, exit on return, ...)."""
    monkeypatch.chdir(REPO)
    result = CliRunner().invoke(app, ["test"])
    assert result.exit_code == 0, result.output
    files = [line for line in result.stdout.splitlines() if not line.startswith(" ")]
    assert files == ["rule_tests/birthday-reward.test.yaml", "rule_tests/example.test.yaml",
                     "rule_tests/welcome.test.yaml", "rule_tests/winback-90.test.yaml"]
    assert result.stderr.startswith("10 tests: 10 passed, 0 failed")


def test_rows_reach_the_store_when_the_clock_does(workdir: Path) -> None:
    """A login after `at` must not make the customer active at `at`; a customer created later is not there yet."""
    _write(workdir, "clock.test.yaml", """\
        version: 1
        tests:
          - name: future rows wait for their time
            campaigns: [winback-90, welcome]
            customers:
              - {id: ada, email: ada@example.com, created_at: 2025-01-01T00:00:00Z}
              - {id: later, email: later@example.com, created_at: 2026-11-24T08:00:00Z}
            events:
              - {customer_id: ada, name: login, occurred_at: 2026-08-01T10:00:00Z}
              - {customer_id: ada, name: login, occurred_at: 2026-11-25T10:00:00Z}
            at: 2026-11-23T09:00:00Z
            every: 1d
            until: 2026-11-24T09:00:00Z
            expect:
              audience: {winback-90: [ada], welcome: []}
              emails:
                - {at: 2026-11-23T09:00:00Z, customer: ada, campaign: winback-90, step: miss-you}
                - {at: 2026-11-24T09:00:00Z, customer: later, campaign: welcome, step: hello}
        """)
    result = _test("clock.test.yaml")
    assert result.exit_code == 0, result.output
