"""`rekindle explain CAMPAIGN CUSTOMER_ID`: every condition of a campaign evaluated for one customer."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from engine.cli.options import ConfigOption, NowOption, OutputFormat, resolve_now


def register(app: typer.Typer) -> None:
    app.command("explain")(explain)


def explain(
    campaign_id: str = typer.Argument(..., metavar="CAMPAIGN", help="Campaign id."),
    customer_id: str = typer.Argument(..., metavar="CUSTOMER_ID", help="The customer's external id."),
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """Show why a customer is or is not in a campaign, condition by condition.

    The audience, exit, goal and each step's `when` are evaluated for CUSTOMER_ID (external id) at --now and
    shown as a tree with pass/fail and the value that decided each node. `since: enrolled` uses the
    customer's enrolment in the campaign. Exit 1 when the campaign or the customer is unknown."""
    from sqlalchemy.orm import Session

    from engine.cli.project import load_project_or_exit, require_campaign
    from engine.cli.store import ready_config_store
    from engine.explain import explain_campaign, load_subject
    from engine.explain.render import as_json, print_text

    project = load_project_or_exit(config_path)
    campaign = require_campaign(project, campaign_id)
    engine = ready_config_store(project.config)
    defaults = project.config.defaults
    try:
        with Session(engine) as session:
            subject = load_subject(session, customer_id, campaign.id)
            explanation = explain_campaign(
                campaign, subject, now=resolve_now(now), activity_events=defaults.activity_events,
                segments=project.segments, default_timezone=defaults.timezone,
            )
    finally:
        engine.dispose()
    if fmt is OutputFormat.json:
        typer.echo(as_json(explanation))
    else:
        print_text(explanation)
