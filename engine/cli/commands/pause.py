"""`rekindle pause CAMPAIGN|--all` and `rekindle resume CAMPAIGN|--all`: stop a campaign (or everything)
at once, from the store, without editing a rule file or deploying (docs/operations.md).

A pause holds the campaign's enrolment, its due steps and its queued mail on every machine from the next
batch on; `resume` lets them carry on from where they were. Who paused and why are kept.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import typer

from engine.cli.options import ConfigOption, NowOption, resolve_now
from engine.errors import UsageError

ByOption = typer.Option(None, "--by", help="Who does it (default: the login name), kept with the pause.")


def register(app: typer.Typer) -> None:
    app.command("pause")(pause)
    app.command("resume")(resume)


def pause(
    campaign: str | None = typer.Argument(None, help="The campaign id to pause."),
    everything: bool = typer.Option(False, "--all", help="Pause every campaign: the kill switch."),
    reason: str = typer.Option(..., "--reason", help="Why, for whoever finds it paused (required)."),
    by: str | None = ByOption,
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Hold a campaign (or every campaign with --all) now: nobody enters, no step advances, no queued email
    of it is sent, until `rekindle resume`."""
    from engine.cli.store import ready_store
    from engine.store import pauses

    target = _target(campaign, everything, config_path)
    _, engine = ready_store(config_path)
    with engine.begin() as conn:
        pauses.pause(conn, target, reason, by or operator(), resolve_now(now).replace(tzinfo=None))
        held = _held_queue(conn, target)
    engine.dispose()
    what = "every campaign" if target == pauses.ALL else f"campaign {target}"
    typer.echo(f"Paused {what}: {held} queued deliveries are held. Resume with "
               f"`rekindle resume {'--all' if target == pauses.ALL else target}`.")


def resume(
    campaigns: list[str] = typer.Argument(None, help="Campaign ids whose pause to lift."),
    everything: bool = typer.Option(False, "--all", help="Lift every pause, the kill switch included."),
    by: str | None = ByOption,
    config_path: Path = ConfigOption,
    now: datetime | None = NowOption,
) -> None:
    """Lift pauses: enrolment, steps and held deliveries carry on from where they were."""
    from engine.cli.store import ready_store
    from engine.store import pauses

    if everything == bool(campaigns):
        raise UsageError("name the campaigns to resume, or --all (not both)")
    _, engine = ready_store(config_path)
    with engine.begin() as conn:
        lifted = pauses.resume(conn, None if everything else list(campaigns), by or operator(),
                               resolve_now(now).replace(tzinfo=None))
        still = [p.campaign_id for p in pauses.active(conn)]
    engine.dispose()
    if not lifted:
        raise UsageError("nothing to resume: " + (f"paused now: {', '.join(still)}" if still else
                                                 "no campaign is paused"))
    typer.echo("Resumed " + ", ".join("every campaign (the kill switch)" if c == pauses.ALL else c for c in lifted)
               + "." + (f" Still paused: {', '.join(still)}." if still else ""))


def operator() -> str:
    """The login name of whoever runs the command, for the record."""
    import getpass

    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _target(campaign: str | None, everything: bool, config_path: Path) -> str:
    from engine.cli.project import require_campaign
    from engine.project.load import check_project
    from engine.store.pauses import ALL

    if everything == (campaign is not None):
        raise UsageError("name one campaign to pause, or --all (not both)")
    if campaign is None:
        return ALL
    project, _ = check_project(config_path)  # a broken rule file must not stop an emergency pause
    if project is not None:
        require_campaign(project, campaign)
    return campaign


def _held_queue(conn, target: str) -> int:
    from sqlalchemy import func, select

    from engine.store.models import Delivery
    from engine.store.pauses import ALL

    query = select(func.count()).select_from(Delivery).where(Delivery.status == "queued")
    if target != ALL:
        query = query.where(Delivery.campaign_id == target)
    return conn.execute(query).scalar_one()
