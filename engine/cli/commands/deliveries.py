"""`rekindle deliveries retry|cancel`: put failed deliveries back in the queue, or cancel queued ones, chosen
by campaign, step, reason and period; `--dry-run` shows what would change (docs/operations.md)."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path

import typer

from engine.cli.notes import say
from engine.cli.options import ConfigOption, NowOption, instant_option, naive, resolve_now

deliveries_app = typer.Typer(help="Change the outbox by selection: retry failed deliveries, cancel queued ones.")

CampaignOption = typer.Option(None, "--campaign", help="Only this campaign's deliveries.")
StepOption = typer.Option(None, "--step", help="Only this step's deliveries.")
ReasonOption = typer.Option(None, "--reason", help="Only those whose failure reason or SMTP reply contains this.")
SinceOption = instant_option("--since", "From this ISO 8601 instant (retry: last attempt; cancel: queued).")
UntilOption = instant_option("--until", "Before this ISO 8601 instant.")
DryRunOption = typer.Option(False, "--dry-run", help="Show how many and which would change; change nothing.")


def register(app: typer.Typer) -> None:
    app.add_typer(deliveries_app, name="deliveries")


@deliveries_app.command("retry")
def retry(
    campaign: str | None = CampaignOption,
    step: str | None = StepOption,
    reason: str | None = ReasonOption,
    since: datetime | None = SinceOption,
    until: datetime | None = UntilOption,
    dry_run: bool = DryRunOption,
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Failed deliveries back to the queue, due now, with a fresh count of attempts."""
    _change("retry", _selection(campaign, step, reason, since, until), dry_run, config_path, now)


@deliveries_app.command("cancel")
def cancel(
    campaign: str | None = CampaignOption,
    step: str | None = StepOption,
    reason: str | None = ReasonOption,
    since: datetime | None = SinceOption,
    until: datetime | None = UntilOption,
    dry_run: bool = DryRunOption,
    by: str | None = typer.Option(None, "--by", help="Who cancels (default: the login name), kept on the row."),
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Queued deliveries out of the queue for good (status `cancelled`, never sent)."""
    _change("cancel", _selection(campaign, step, reason, since, until), dry_run, config_path, now, by)


def _selection(campaign, step, reason, since, until):
    from engine.delivery.control import Selection

    return Selection(campaign, step, reason, naive(since), naive(until))


def _change(action: str, selection, dry_run: bool, config_path: Path, now, by: str | None = None) -> None:
    from engine.cli.commands.pause import operator
    from engine.cli.store import ready_store
    from engine.delivery import control

    at = resolve_now(now).replace(tzinfo=None)
    _, engine = ready_store(config_path)
    with engine.begin() as conn:
        found = control.preview(conn, action, selection)
        if dry_run:
            changed = found.count
        elif action == "retry":
            changed = control.retry(conn, selection, at)
        else:
            changed = control.cancel(conn, selection, at, by or operator())
    engine.dispose()
    verb = {"retry": "retried (back in the queue)", "cancel": "cancelled"}[action]
    typer.echo(f"Dry run: {changed} deliveries would be {verb}." if dry_run else f"{changed} deliveries {verb}.")
    for delivery_id, customer, campaign, step, why in found.sample:
        typer.echo(f"  delivery {delivery_id}: customer {customer}, {campaign}/{step}" + (f": {why}" if why else ""))
    if found.count > len(found.sample):
        typer.echo(f"  ... and {found.count - len(found.sample)} more")
    if found.pruned:
        say(f"{found.pruned} matching failed deliveries have no message left (pruned) and stay failed.",
            "deliveries.pruned_kept", level=logging.WARNING, pruned=found.pruned)
