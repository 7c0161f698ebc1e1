"""`rekindle plan`: what the next run would do, without doing it (a dry run that is rolled back)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path

import typer

from engine.cli.options import CampaignOption
from engine.cli.options import ConfigOption, NowOption, resolve_now
from engine.errors import WorkFailed


class PlanFormat(str, Enum):
    text = "text"
    json = "json"
    markdown = "markdown"


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)


def plan(
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
    campaign: list[str] = CampaignOption,
    fmt: PlanFormat = typer.Option(PlanFormat.text, "--format", "-f", help="text, json or markdown."),
) -> None:
    """Show what the next `rekindle run` would do per campaign and step, and how campaign edits affect
    customers mid-sequence. Changes nothing. Exit 1 when a campaign would be held by max_audience."""
    from engine.cli.project import load_project_or_exit
    from engine.cli.store import ready_store
    from engine.plan import report
    from engine.plan.changes import version_changes
    from engine.runner.options import RunOptions
    from engine.runner.render import compose_renderer, rehearsal_secret
    from engine.runner.tick import run_tick

    project = load_project_or_exit(config_path, campaign)
    _, engine = ready_store(config_path)
    at = resolve_now(now)
    chosen = tuple(c for c in project.campaigns if not campaign or c.id in campaign)
    with engine.connect() as conn:
        changes = version_changes(conn, chosen)
        options = RunOptions(now=at, campaigns=tuple(campaign or ()), persist=False)
        summary = run_tick(conn, project, options, compose_renderer(project, at, rehearsal_secret(project)))
        conn.rollback()
    engine.dispose()
    if fmt is PlanFormat.json:
        typer.echo(report.as_json(summary, changes))
    elif fmt is PlanFormat.markdown:
        typer.echo(report.as_markdown(summary, changes), nl=False)
    else:
        report.print_text(summary, changes)
    if summary.failed:
        raise WorkFailed()
