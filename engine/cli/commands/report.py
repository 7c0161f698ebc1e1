"""`rekindle report [CAMPAIGN...]`: did the campaigns work? Conversions, revenue, uplift against the holdout,
variants, lifecycle and value, from SQL aggregates over the ledger (docs/reporting.md)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path

import typer

from engine.cli.notes import say
from engine.cli.options import TEXT_METAVAR, ConfigOption, NowOption, parse_instant_option, resolve_now


class ReportFormat(str, Enum):
    text = "text"
    markdown = "markdown"
    json = "json"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.command("report")(report)


def report(
    campaign_ids: list[str] = typer.Argument(
        None, metavar="[CAMPAIGN...]", help="Campaign ids; without any, every campaign of the project."),
    since: datetime | None = typer.Option(
        None, "--since", parser=parse_instant_option, metavar=TEXT_METAVAR,
        help="Only enrolments at or after this ISO 8601 instant."),
    until: datetime | None = typer.Option(
        None, "--until", parser=parse_instant_option, metavar=TEXT_METAVAR,
        help="Only enrolments before this ISO 8601 instant; lifecycle figures are taken at this instant."),
    fmt: ReportFormat = typer.Option(ReportFormat.text, "--format", "-f", help="text, markdown, json or csv."),
    html: Path | None = typer.Option(
        None, "--html", help="Also write a self-contained HTML page with charts to this file."),
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Report per campaign, step and variant: enrolled, held out, mailed, delivered, failed, suppressed, exits,
    conversions, revenue, unsubscribes and bounces; uplift against the holdout with a 95% interval, an
    always-valid p-value and a plain-language verdict; lifecycle stages, retention and lifetime value.

    Everything is computed by grouped SQL queries over the store; nothing is changed. Exit 1 when a
    CAMPAIGN is unknown or the project is invalid."""
    from engine.cli.project import load_project_or_exit, require_campaign
    from engine.cli.store import ready_config_store, store_errors
    from engine.reporting import build_report
    from engine.reporting.formatters import FORMATTERS

    project = load_project_or_exit(config_path, templates=False, not_done="no report was made")
    campaigns = ([require_campaign(project, c) for c in campaign_ids] if campaign_ids
                 else list(project.campaigns))
    engine = ready_config_store(project.config)
    try:
        with store_errors("building the report"), engine.connect() as connection:
            result = build_report(connection, project, campaigns, now=resolve_now(now), since=since, until=until)
    finally:
        engine.dispose()
    typer.echo(FORMATTERS[fmt.value](result), nl=False)
    if html is not None:
        from engine.reporting.html import write_html

        write_html(result, html)
        say(f"wrote {html}", "report.written", path=str(html))
