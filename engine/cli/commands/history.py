"""`rekindle history --customer ID` (every decision and delivery, across campaigns, in order) and
`rekindle history --campaign ID --since T` (per day and step, what the campaign did; its pauses)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path

import typer

from engine.cli.options import ConfigOption, NowOption, OutputFormat, instant_option, naive, resolve_now
from engine.errors import UsageError


def register(app: typer.Typer) -> None:
    app.command("history")(history)


def history(
    customer: str | None = typer.Option(None, "--customer", help="A customer's id (as imported)."),
    campaign: str | None = typer.Option(None, "--campaign", help="A campaign id."),
    since: datetime | None = instant_option("--since", "From this ISO 8601 instant (campaign default: 30 days ago)."),
    until: datetime | None = instant_option("--until", "Before this ISO 8601 instant (default: now)."),
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json."),
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """What happened to one customer across campaigns, or in one campaign over a period."""
    from engine.cli.store import ready_store
    from engine.operations import history as log

    if (customer is None) == (campaign is None):
        raise UsageError("give --customer ID or --campaign ID (one of them)")
    at = resolve_now(now).replace(tzinfo=None)
    start, end = naive(since), naive(until)
    _, engine = ready_store(config_path)
    with engine.connect() as conn:
        if campaign is None:
            assert customer is not None  # one of the two, checked above
            entries = log.customer_history(conn, customer, start, end)
            document: dict[str, object] = {"customer": customer, "entries": [e.as_dict() for e in entries]}
        else:
            start = start or at - timedelta(days=30)
            end = end or at
            counts, paused = log.campaign_history(conn, campaign, start, end)
            document = {"campaign": campaign, "since": log.iso(start), "until": log.iso(end),
                        "days": [c.as_dict() for c in counts],
                        "pauses": [{"campaign": p.campaign_id, "reason": p.reason, "by": p.paused_by,
                                    "paused_at": log.iso(p.paused_at), "resumed_by": p.resumed_by,
                                    "resumed_at": log.iso(p.resumed_at)} for p in paused]}
    engine.dispose()
    if fmt is OutputFormat.json:
        typer.echo(json.dumps(document, indent=2))
    elif campaign is None:
        _print_customer(document)
    else:
        _print_campaign(document)


def _print_customer(document: dict) -> None:
    typer.echo(f"History of customer {document['customer']}:")
    if not document["entries"]:
        typer.echo("  nothing recorded")
    for e in document["entries"]:
        where = e["campaign"] + (f"/{e['step']}" if e["step"] else "")
        typer.echo(f"  {e['at']}  {where:<28} {e['what']:<18} {e['detail']}")


def _print_campaign(document: dict) -> None:
    typer.echo(f"History of campaign {document['campaign']} from {document['since']} to {document['until']}:")
    if not document["days"]:
        typer.echo("  nothing recorded")
    for c in document["days"]:
        typer.echo(f"  {c['day']}  {c['step'] or '(campaign)':<20} {c['what']:<20} {c['count']:>8}")
    for p in document["pauses"]:
        what = "every campaign" if p["campaign"] == "*" else p["campaign"]
        lifted = f", resumed {p['resumed_at']} by {p['resumed_by']}" if p["resumed_at"] else ", still paused"
        typer.echo(f"  paused {what} {p['paused_at']} by {p['by']}: {p['reason']}{lifted}")
