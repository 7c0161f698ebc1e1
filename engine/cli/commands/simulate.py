"""`rekindle simulate`: what the campaigns would do over a period, tick by tick, on a copy of the store."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import typer

from engine.cli.options import TEXT_METAVAR, CampaignOption, ConfigOption, OutputFormat, parse_instant_option
from engine.errors import UsageError, WorkFailed


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)


def simulate(
    start: datetime = typer.Option(..., "--from", help="First tick (ISO 8601).", parser=parse_instant_option,
                                   metavar=TEXT_METAVAR),
    end: datetime = typer.Option(..., "--to", help="Last tick at or before this instant.",
                                 parser=parse_instant_option, metavar=TEXT_METAVAR),
    every: str = typer.Option("1d", "--every", help="Time between ticks: 1h, 1d, 1w ..."),
    campaign: list[str] = CampaignOption,
    config_path: Path = ConfigOption,
    fmt: OutputFormat = typer.Option(OutputFormat.text, "--format", "-f", help="text or json."),
) -> None:
    """Rehearse runs from --from to --to on a throwaway copy of the store and print the timeline: who would
    get which email when, who would exit and why. The real store is never changed."""
    from engine.cli.project import load_project_or_exit
    from engine.cli.store import ready_config_store
    from engine.simulate.sandbox import sandbox
    from engine.simulate.timeline import simulate as run_simulation
    from engine.simulate.timeline import tick_report
    from engine.timeutil import parse_duration

    try:
        interval = parse_duration(every)
    except ValueError as exc:
        raise typer.BadParameter(str(exc), param_hint="--every") from None
    if end < start:
        raise UsageError("--to is before --from")
    project = load_project_or_exit(config_path, campaign)
    engine = ready_config_store(project.config)
    with sandbox(engine) as conn:
        summaries, timeline = run_simulation(conn, project, start, end, interval, tuple(campaign or ()))
        if fmt is OutputFormat.json:
            document = {"from": _iso(start), "to": _iso(end), "every": every,
                        "ticks": [tick_report(s) for s in summaries], "timeline": [m.to_dict() for m in timeline]}
            typer.echo(json.dumps(document, indent=2))
        else:
            _print_text(summaries, timeline)
    engine.dispose()
    if any(s.failed for s in summaries):
        raise WorkFailed()


def _print_text(summaries, timeline) -> None:
    lines = 0
    for moment in timeline:
        where = moment.campaign + (f"/{moment.step}" if moment.step else "")
        extra = f'  "{moment.subject}"' if moment.subject else ""
        if moment.decision not in ("queued", "enrolled", "held_out", "completed"):
            extra += f"  ({moment.reason})"
        typer.echo(f"{moment.at:%Y-%m-%d %H:%M}  {where:<32} {moment.customer or '-':<16} {moment.decision}{extra}")
        lines += 1
    if not lines:
        typer.echo("nothing would happen in this period")
    typer.echo("")
    for summary in summaries:
        totals = ", ".join(f"{k} {v}" for k, v in summary.to_dict()["totals"].items()) or "nothing"
        typer.echo(f"tick {_iso(summary.now)}: {totals}")


def _iso(moment) -> str:
    return moment.isoformat().replace("+00:00", "Z")
