"""`rekindle validate` and `rekindle init` end to end, through Typer's CliRunner: formats and exit codes."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest
from typer.testing import CliRunner

from engine.cli.app import app

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "tests" / "fixtures" / "bad"


def _run(*args: str):
    return CliRunner().invoke(app, ["validate", *args])


@pytest.fixture
def in_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(CORPUS)


def test_the_shipped_project_is_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = _run()
    assert result.exit_code == 0, result.output
    assert result.stdout == ""
    assert result.stderr == "ok: 8 campaigns and 2 segments valid\n"


def test_text_format_lists_problems_and_a_summary(in_corpus: None) -> None:
    result = _run("--config", "_project/rekindle.yaml", "misspelt-key.yaml", "bad-enum.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        'bad-enum.yaml:3:12: R104 "restrat" is not allowed at on_change; expected one of continue, restart, exit '
        '(did you mean "restart"?)',
        'misspelt-key.yaml:9:5: R102 unknown key "wiat" in steps[1] (did you mean "wait"?)',
    ]
    assert result.stderr == "2 errors in 2 files\n"


def test_json_format(in_corpus: None) -> None:
    result = _run("--config", "_project/rekindle.yaml", "--format", "json", "misspelt-key.yaml")
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False and payload["error_count"] == 1 and payload["warning_count"] == 0
    assert payload["diagnostics"] == [{
        "code": "R102", "severity": "error", "file": "misspelt-key.yaml", "line": 9, "column": 5,
        "path": "steps[1].wiat", "message": 'unknown key "wiat" in steps[1] (did you mean "wait"?)', "hint": None,
    }]


def test_json_format_for_a_valid_project(in_corpus: None) -> None:
    result = _run("--config", "_project/rekindle.yaml", "-f", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == {"valid": True, "error_count": 0, "warning_count": 0, "campaigns": 1,
                                         "segments": 1, "diagnostics": []}


def test_github_format_escapes_workflow_command_syntax(in_corpus: None) -> None:
    result = _run("--config", "_project/rekindle.yaml", "--format", "github", "tabs.yaml", "duplicate-key.yaml")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        '::error file=duplicate-key.yaml,line=8,col=5,title=R106::duplicate key "template" (first defined on line 7)'
        "%0Ahint: YAML keeps only the last value; remove one of them",
        "::error file=tabs.yaml,line=4,col=1,title=R101::tab character: YAML is indented with spaces, never tabs",
    ]


def test_a_folder_of_rules(in_corpus: None) -> None:
    result = _run("--config", "_project/rekindle.yaml", "duplicate-campaign-ids")
    assert result.exit_code == 1
    assert "duplicate-campaign-ids/second.yaml:2:5: R201" in result.stdout


@pytest.mark.parametrize("args", [
    ["--format", "xml"],
    ["no-such-file.yaml"],
    ["--no-such-option"],
])
def test_usage_errors_exit_2(args: list[str], in_corpus: None) -> None:
    assert _run("--config", "_project/rekindle.yaml", *args).exit_code == 2


def test_a_missing_config_is_a_usage_error_with_a_diagnostic(in_corpus: None) -> None:
    result = _run("--config", "nowhere/rekindle.yaml")
    assert result.exit_code == 2
    assert result.stdout.splitlines()[0] == "nowhere/rekindle.yaml: C101 config file not found: nowhere/rekindle.yaml"


def test_init_writes_a_project_that_validates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "acme"
    result = CliRunner().invoke(app, ["init", str(target)])
    assert result.exit_code == 0, result.output
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file()) == [
        ".gitignore", "catalog.yaml", "examples/data/customers.csv", "examples/data/events.csv", "rekindle.yaml",
        "rule_tests/welcome.test.yaml", "rules/welcome.yaml", "schemas/catalog.v1.json", "schemas/config.v1.json", "schemas/rule-test.v1.json",
        "schemas/rule.v1.json", "schemas/segment.v1.json", "segments/new-customers.yaml",
        "templates/_layouts/base.html", "templates/welcome/hello.html",
    ]
    monkeypatch.chdir(target)
    validated = _run()
    assert validated.exit_code == 0, validated.output
    assert validated.stderr == "ok: 1 campaign and 1 segment valid\n"
    tested = CliRunner().invoke(app, ["test"])
    assert tested.exit_code == 0, tested.output
    assert tested.stdout.splitlines() == [
        "rule_tests/welcome.test.yaml", "  PASS  a new customer is welcomed once, a customer of last month is not",
    ]
    assert tested.stderr == "1 test: 1 passed, 0 failed\n"


def test_init_never_overwrites(tmp_path: Path) -> None:
    (tmp_path / "rekindle.yaml").write_text("version: 1\n")
    result = CliRunner().invoke(app, ["init", str(tmp_path)])
    assert result.exit_code == 1
    assert "already exist" in result.stderr
    assert (tmp_path / "rekindle.yaml").read_text() == "version: 1\n"
    assert not (tmp_path / "rules").exists()


def test_the_starter_project_works_with_the_rest_of_rekindle(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Its templates pass the template checks and its example data imports without a rejected row."""
    from engine.importer.run import ImportOptions, import_file
    from engine.importer.source import FileFormat
    from engine.project import load_project
    from engine.rendering.checks import check_templates
    from engine.store.database import open_engine
    from engine.store.models import Base

    CliRunner().invoke(app, ["init", str(tmp_path)])
    monkeypatch.chdir(tmp_path)
    now = datetime(2026, 3, 10, tzinfo=timezone.utc)
    assert check_templates(load_project(Path("rekindle.yaml")), now=now) == []
    engine = open_engine(f"sqlite:///{tmp_path / 'store.db'}")
    Base.metadata.create_all(engine)
    for kind in ("customers", "events"):
        report = import_file(engine, f"examples/data/{kind}.csv", ImportOptions(kind, FileFormat.csv, now))
        assert (report.rejected, report.committed) == (0, True), report.format_text()
    engine.dispose()


def test_segment_files_and_the_config_named_as_paths_are_checked_as_what_they_are(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = _run("segments/engaged.yaml", "rekindle.yaml", "rules/growth")
    assert result.exit_code == 0, result.output
    assert result.stderr == "ok: 2 campaigns and 2 segments valid\n"
