"""`rekindle audience CAMPAIGN`: how many customers a campaign's audience selects now, and who (a sample)."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from pathlib import Path

import typer

from engine.cli.options import ConfigOption, NowOption, resolve_now


class AudienceFormat(str, Enum):
    text = "text"
    json = "json"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.command("audience")(audience)


def audience(
    campaign_id: str | None = typer.Argument(
        None, metavar="[CAMPAIGN]", help="Campaign id; without it, the audience size of every campaign."
    ),
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
    limit: int = typer.Option(10, "--limit", "-n", min=0, help="Members to list; 0 lists all (streamed)."),
    fmt: AudienceFormat = typer.Option(AudienceFormat.text, "--format", "-f", help="text, json or csv."),
) -> None:
    """Count the customers in CAMPAIGN's audience and list some of them.

    One SQL query at --now counts the audience; members (external id, email, name) are streamed in id order.
    Without CAMPAIGN, prints the audience size of every campaign.
    Eligibility checks of `run` (re-entry, suppression, caps) are not applied. Exit 1 when the campaign is
    unknown or the project is invalid."""
    import json
    import sys

    from engine.audience import audience_context, count_query, members_query
    from engine.cli.project import load_project_or_exit, require_campaign
    from engine.cli.store import ready_config_store

    project = load_project_or_exit(config_path)
    campaign = None if campaign_id is None else require_campaign(project, campaign_id)
    engine = ready_config_store(project.config)
    at = resolve_now(now)
    defaults = project.config.defaults

    def context(connection, target):
        return audience_context(connection, target, now=at, activity_events=defaults.activity_events,
                                segments=project.segments, default_timezone=defaults.timezone)

    with engine.connect() as connection:
        if campaign is None:
            sizes = [(c, connection.execute(count_query(c, context(connection, c))).scalar_one())
                     for c in project.campaigns]
            engine.dispose()
            _print_sizes(sizes, at, fmt)
            return
        ctx = context(connection, campaign)
        total = connection.execute(count_query(campaign, ctx)).scalar_one()
        query = members_query(campaign, ctx)
        rows = connection.execution_options(yield_per=2000).execute(query.limit(limit) if limit else query)
        members = ({"external_id": r.external_id, "email": r.email,
                    "name": " ".join(part for part in (r.first_name, r.last_name) if part)} for r in rows)
        if fmt is AudienceFormat.csv:
            from engine.cli.csv_output import write_csv

            columns = ["external_id", "email", "name"]
            write_csv(sys.stdout, columns, ([member[c] for c in columns] for member in members))
        elif fmt is AudienceFormat.json:
            typer.echo(json.dumps({"campaign": campaign.id, "now": at.isoformat(), "count": total,
                                   "members": list(members)}, indent=2, ensure_ascii=False))
        else:
            _print_text(campaign.id, campaign.enabled, at, total, list(members))
    engine.dispose()


def _print_sizes(sizes, at, fmt: AudienceFormat) -> None:
    import json

    if fmt is AudienceFormat.json:
        typer.echo(json.dumps({"now": at.isoformat(), "campaigns": [
            {"campaign": c.id, "enabled": c.enabled, "count": n} for c, n in sizes]}, indent=2))
    elif fmt is AudienceFormat.csv:
        typer.echo("campaign,enabled,count")
        for c, n in sizes:
            typer.echo(f"{c.id},{str(c.enabled).lower()},{n}")
    else:
        typer.echo(f"audiences at {at:%Y-%m-%dT%H:%M:%SZ}:")
        width = max((len(c.id) for c, _ in sizes), default=0)
        for c, n in sizes:
            typer.echo(f"  {c.id:<{width}}  {n:>8}{'' if c.enabled else '  (disabled)'}")


def _print_text(campaign_id: str, enabled: bool, at, total: int, members: list[dict[str, str]]) -> None:
    state = "" if enabled else " (campaign disabled)"
    typer.echo(f"{campaign_id}: {total} customer{'s' if total != 1 else ''} in the audience at "
               f"{at:%Y-%m-%dT%H:%M:%SZ}{state}")
    if not members:
        return
    typer.echo(f"first {len(members)} by id:" if len(members) < total else "members:")
    widths = {key: max(len(key), *(len(m[key]) for m in members)) for key in ("external_id", "email")}
    for member in [{"external_id": "external_id", "email": "email", "name": "name"}, *members]:
        typer.echo(f"  {member['external_id']:<{widths['external_id']}}  {member['email']:<{widths['email']}}  "
                   f"{member['name']}".rstrip())
