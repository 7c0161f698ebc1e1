"""Command-line options shared by several verbs, so they read and behave the same everywhere."""

from __future__ import annotations

from datetime import datetime, timezone
from enum import Enum
from pathlib import Path

import typer

from engine.timeutil import parse_instant


class OutputFormat(str, Enum):
    text = "text"
    json = "json"


def _parse_now(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


ConfigOption = typer.Option(
    Path("rekindle.yaml"), "--config", "-c", help="Project config file.", envvar="REKINDLE_CONFIG"
)
CampaignOption = typer.Option(None, "--campaign", help="Only this campaign id (repeatable).")
NowOption = typer.Option(
    None,
    "--now",
    help="Pretend the current time is this ISO 8601 instant (e.g. 2026-11-23T09:00:00Z), for reproducible output.",
    callback=_parse_now,
)


def resolve_now(now: datetime | None) -> datetime:
    """The instant a command works at: `--now` when given, else the wall clock, always aware UTC."""
    return now if now is not None else datetime.now(timezone.utc)
