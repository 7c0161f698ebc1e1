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


def parse_instant_option(value: str) -> datetime:
    """An ISO 8601 instant from the command line, as an aware UTC datetime (Typer's `parser=` for options
    annotated `datetime`; an absent option never reaches it)."""
    try:
        return parse_instant(value)
    except ValueError as exc:
        raise typer.BadParameter(str(exc)) from None


#: What --help shows for an option typed `datetime` or `re.Pattern` but written as text: Typer would name the
#: Python type (`<datetime>`), while the value is an ISO 8601 instant or a regular expression typed as text.
TEXT_METAVAR = "<str>"


ConfigOption = typer.Option(
    Path("rekindle.yaml"), "--config", "-c", help="Project config file.", envvar="REKINDLE_CONFIG"
)
CampaignOption = typer.Option(None, "--campaign", help="Only this campaign id (repeatable).")
NowOption = typer.Option(
    None,
    "--now",
    help="Pretend the current time is this ISO 8601 instant (e.g. 2026-11-23T09:00:00Z), for reproducible output.",
    parser=parse_instant_option,
    metavar=TEXT_METAVAR,
)
"""`--now`: parsed into an aware UTC datetime, so a command takes it as `now: datetime | None = NowOption`."""


def resolve_now(now: datetime | None) -> datetime:
    """The instant a command works at: `--now` when given, else the wall clock, always aware UTC."""
    return now if now is not None else datetime.now(timezone.utc)
