"""`rekindle validate`: check the config, every rule and segment file, and report all problems at once."""

from __future__ import annotations

from pathlib import Path

import typer

from engine.cli.notes import say
from engine.cli.options import ConfigOption
from engine.diagnostics.formatters import DiagnosticFormat
from engine.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)


def validate(
    paths: list[Path] = typer.Argument(
        None, help="Rule files or folders to check (default: the whole project of --config).", show_default=False,
        exists=True,
    ),
    config: Path = ConfigOption,
    fmt: DiagnosticFormat = typer.Option(
        DiagnosticFormat.text, "--format", "-f", help="text for people, json for tools, github for CI annotations, gitlab for a Code Quality report."
    ),
    against_store: bool = typer.Option(
        False, "--against-store",
        help="Also look up every event, property and attribute the rules use in the project's store (R212).",
    ),
) -> None:
    """Validate rule files, segments and the project config.

    Exit code 0 when everything is valid, 1 when there are problems (all of them are listed), 2 for bad usage.
    """
    from engine.diagnostics import Diagnostic
    from engine.diagnostics.formatters import render
    from engine.project import ProjectInvalid, check_project

    if against_store:
        from engine.cli.store import ready_store, store_errors

        _, engine = ready_store(config)
        with store_errors("looking up names"), engine.connect() as connection:
            project, diagnostics = check_project(config, paths or None, store=connection)
        engine.dispose()
    else:
        project, diagnostics = check_project(config, paths or None)
    if project is not None:  # templates: compiled, read statically, rendered for every step (T3xx)
        from engine.cli.template_checks import checked_templates

        diagnostics = sorted([*diagnostics, *checked_templates(project)], key=Diagnostic.sort_key)
    errors = [d for d in diagnostics if d.severity.value == "error"]
    usage = not config.is_file()  # a wrong --config is a usage error (exit 2), reported like any other problem
    summary = {
        "campaigns": len(project.campaigns) if project else 0,
        "segments": len(project.segments) if project else 0,
    }
    output = render(diagnostics, fmt, summary)
    if output:
        typer.echo(output)
    if fmt is DiagnosticFormat.text:
        files = len({d.location.file for d in errors})
        if errors:
            say(f"{_count(len(errors), 'error')} in {_count(files, 'file')}", "validate.summary", errors=len(errors),
                files=files)
        else:
            warnings = len(diagnostics) - len(errors)
            say(f"ok: {_count(summary['campaigns'], 'campaign')} and {_count(summary['segments'], 'segment')}"
                " valid" + (f" ({_count(warnings, 'warning')})" if warnings else ""), "validate.summary", errors=0,
                warnings=warnings, **summary)
    if usage:
        raise UsageError()  # the diagnostics above say which file is missing
    if errors:
        raise ProjectInvalid([], "")  # every problem is listed above, in the chosen format


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"
