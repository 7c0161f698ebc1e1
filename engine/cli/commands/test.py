"""`rekindle test`: run the rule tests (rule_tests/*.test.yaml) against the project's campaigns (docs/rule-tests.md)."""

from __future__ import annotations

import re
from pathlib import Path

import typer

from engine.cli.notes import say
from engine.cli.options import TEXT_METAVAR, ConfigOption, OutputFormat
from engine.errors import WorkFailed


def register(app: typer.Typer) -> None:
    app.command("test")(test)


def _pattern(value: str) -> re.Pattern[str]:
    try:
        return re.compile(value)
    except re.error as exc:
        raise typer.BadParameter(f"not a regular expression: {exc}") from None


def test(
    paths: list[Path] = typer.Argument(
        None, help="Test files or folders (default: rule_tests/ next to the config).", show_default=False,
        exists=True,
    ),
    config_path: Path = ConfigOption,
    run: re.Pattern[str] | None = typer.Option(
        None, "--run", help="Only tests whose name matches this regular expression.", parser=_pattern,
        metavar=TEXT_METAVAR,
    ),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json."),
    junit: Path | None = typer.Option(None, "--junit", help="Also write the results as JUnit XML to this file.",
                                      dir_okay=False),
    update_snapshots: bool = typer.Option(False, "--update-snapshots",
                                          help="Write the golden-email files (`snapshot:`) from what renders now "
                                               "instead of comparing with them."),
) -> None:
    """Run rule unit tests: each test feeds customers and events to a throwaway store, ticks the campaigns at
    frozen instants and compares the audience, the emails and the decisions with what it expects.

    Exit code 0 when every test passed, 1 when a test failed or a test file is invalid, 2 for bad usage."""
    from engine.cli.project import load_project_or_exit
    from engine.ruletest.report import json_report, summary_line, text_report, write_junit
    from engine.ruletest.suite import run_suite

    project = load_project_or_exit(config_path)
    result = run_suite(project, paths or [], run, update_snapshots=update_snapshots)
    if junit is not None:
        write_junit(result, junit)
    if fmt is OutputFormat.json:
        typer.echo(json_report(result))
    else:
        output = text_report(result)
        if output:
            typer.echo(output)
        say(summary_line(result), "test.summary", passed=result.passed)
    if run is not None and not result.cases and not result.diagnostics:
        raise WorkFailed(f"no test name matches --run {run.pattern!r}")
    if not result.passed:
        raise WorkFailed()  # the report above names every failing test
